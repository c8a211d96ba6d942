import type * as V8 from 'node:v8';
import { describe, expect, it, vi } from 'vitest';

// The heap the guard sees: a share of a 200 MB limit, set by each test.
const heap = { share: 0.5 };
vi.mock('node:v8', async (orig) => ({
  ...(await orig<typeof V8>()),
  getHeapStatistics: () => ({ used_heap_size: heap.share * 200 * 2 ** 20, heap_size_limit: 200 * 2 ** 20 }),
}));

const { heapGuard, HEAP_STOP_CHECKS } = await import('../../src/cli/heap-guard.js');
const { UserError } = await import('../../src/core/errors.js');

describe('drs run heap guard', () => {
  it('lets a run go on while the heap has room, or fills only for a moment (garbage before a collection)', () => {
    const guard = heapGuard(() => 'first-fit');
    heap.share = 0.5;
    for (let k = 0; k < 10; k++) guard(0, k * 4096, k);
    heap.share = 0.95;
    for (let k = 1; k < HEAP_STOP_CHECKS; k++) guard(0, 50_000, 10);
    heap.share = 0.5;
    guard(0, 60_000, 11);
    heap.share = 0.95;
    for (let k = 1; k < HEAP_STOP_CHECKS; k++) expect(() => guard(0, 70_000, 12)).not.toThrow();
  });

  it('stops a run whose heap stays nearly full with a drs error that says why and what to do', () => {
    const guard = heapGuard((i) => ['first-fit', 'worst-fit'][i] as string);
    heap.share = 0.93;
    let err: unknown;
    try {
      for (let k = 0; k < HEAP_STOP_CHECKS; k++) guard(1, 4_096_000 + k * 4096, 7200);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain("out of memory: strategy 'worst-fit' stopped after 4,104,192 requests (simulated t=2.00h)");
    expect(msg).toContain('holds 186 MB of its 200 MB limit');
    expect(msg).toContain('NODE_OPTIONS=--max-old-space-size=400');
    expect(msg).toContain('trace.limit');
  });
});
