import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { UserError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import { EV } from '../../src/sim/log.js';
import type { LeaseRenewal } from '../../src/sim/leases.js';
import { replay } from '../../src/sim/replay.js';

/**
 * The simulator's leases, hand-checked: renewals (`ReplayOptions.renewals`, production's
 * `renew`) and leases that run out at the same instant (all end before one pass, in the order
 * they were set, as production's `tick()` ends them). One pool, one node of 4 cpu.
 */
const space = new ResourceSpace(['cpu']);
const pool: PoolSpec = { name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (id: string, arrival: number, cpu: number, duration: number, lease?: number): Request => ({
  id,
  tenant: 't',
  arrival,
  demand: [cpu],
  duration,
  priority: 'medium',
  ...(lease === undefined ? {} : { lease }),
});

async function run(requests: Request[], renewals: LeaseRenewal[] = [], queue = createQueuePolicy('fcfs', { blocking: true, backfill: 'easy' })): Promise<string[]> {
  const { log } = await replay({ space, pools: [pool], requests, allocator: createAllocator({ name: 'first-fit' }), queue, seed: 1, passes: 'per-event', renewals });
  const names: Record<number, string> = { [EV.start]: 'start', [EV.complete]: 'complete', [EV.expire]: 'expire', [EV.reject]: 'reject' };
  const out: string[] = [];
  for (let i = 0; i < log.length; i++) {
    const n = names[log.kind(i)];
    if (n !== undefined) out.push(`${log.time(i)} ${n} ${log.requests[log.ref(i)]?.id}`);
  }
  return out;
}

describe('simulator leases', () => {
  it('a renewal moves the lease: past the end of the work (it completes), or earlier (it expires then)', async () => {
    // a: work 10 s, lease 4 s, renewed at 3 s for 20 s -> lease 23 s > 10 s: completes at 10.
    // b: work 10 s, no lease, renewed at 2 s for 1 s -> expires at 3.
    expect(
      await run(
        [req('a', 0, 2, 10, 4), req('b', 0, 2, 10)],
        [
          { at: 3, request: 'a', duration: 20 },
          { at: 2, request: 'b', duration: 1 },
        ],
      ),
    ).toEqual(['0 start a', '0 start b', '3 expire b', '10 complete a']);
  });

  it('a later renewal replaces an earlier one; renewing queued or ended work does nothing', async () => {
    // a (4 cpu) runs 0..10 with lease 6: renewed at 1 for 2 (-> 3), then at 2 for 6 (-> 8): expires at 8.
    // b waits for the node until a ends; its renewal at 5 (queued) and at 30 (ended) change nothing.
    expect(
      await run(
        [req('a', 0, 4, 10, 6), req('b', 0.5, 4, 5)],
        [
          { at: 1, request: 'a', duration: 2 },
          { at: 2, request: 'a', duration: 6 },
          { at: 5, request: 'b', duration: 0.5 },
          { at: 30, request: 'b', duration: 0.5 },
        ],
      ),
    ).toEqual(['0 start a', '8 expire a', '8 start b', '13 complete b']);
  });

  it('leases running out at the same instant end together before one pass', async () => {
    // a and b (2 cpu each, lease 5) fill the node; c (4 cpu) heads the queue from t=1; d (2 cpu,
    // 50 s) waits behind it and may be backfilled (it ends before the reservation at t=100).
    // Both leases end at 5 before the pass, so c starts. (Expiring a alone first would let the
    // pass backfill d into a's place, and c would wait.)
    expect(await run([req('a', 0, 2, 100, 5), req('b', 0, 2, 100, 5), req('c', 1, 4, 10), req('d', 2, 2, 50)])).toEqual([
      '0 start a',
      '0 start b',
      '5 expire a',
      '5 expire b',
      '5 start c',
      '15 complete c',
      '15 start d',
      '65 complete d',
    ]);
  });

  it('refuses a renewal naming a request that has not arrived, or a bad duration, naming the field', async () => {
    const field = async (renewals: LeaseRenewal[]): Promise<string | undefined> => {
      try {
        await run([req('a', 1, 1, 10)], renewals);
      } catch (e) {
        return e instanceof UserError ? e.location.field : `not a UserError: ${String(e)}`;
      }
      return undefined;
    };
    expect(await field([{ at: 0.5, request: 'a', duration: 1 }])).toBe('renewals[0].request');
    expect(await field([{ at: 2, request: 'zz', duration: 1 }])).toBe('renewals[0].request');
    expect(await field([{ at: 2, request: 'a', duration: 1 }, { at: 3, request: 'a', duration: 0 }])).toBe('renewals[1].duration');
    expect(await field([{ at: -1, request: 'a', duration: 1 }])).toBe('renewals[0].at');
  });
});
