import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import { readOnce } from '../../src/scenario/trace-once.js';

/** A trace of `n` requests whose every open is counted. */
function counted(n: number) {
  const opened = { times: 0 };
  const reqs: Request[] = Array.from({ length: n }, (_, i) => ({
    id: `r-${i}`,
    tenant: i % 2 === 0 ? 'a' : 'b',
    arrival: i * 1.5,
    demand: [1 + (i % 3), 0.25],
    duration: 10 + i,
    priority: i % 2 === 0 ? 'high' : 'low',
    ...(i % 3 === 0 ? { sloWait: 2, preemptible: true } : {}),
    ...(i === 4 ? { constraints: { pools: ['p'] }, lease: 30 } : {}),
  }));
  const open = (): AsyncIterable<Request> => {
    opened.times++;
    return (async function* () {
      for (const r of reqs) yield r;
    })();
  };
  return { reqs, opened, open };
}

async function all(it: AsyncIterable<Request> | Iterable<Request>): Promise<Request[]> {
  const out: Request[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('readOnce: the trace read once for all the strategies of a run', () => {
  it('replays what the first full pass read, field for field, without opening the trace again', async () => {
    const t = counted(10);
    const requests = readOnce(t.open);
    expect(await all(requests())).toEqual(t.reqs);
    expect(await all(requests())).toEqual(t.reqs);
    expect(await all(requests())).toEqual(t.reqs);
    expect(t.opened.times).toBe(1);
  });

  it('keeps nothing from a pass stopped early: the next pass reads the trace again, whole', async () => {
    const t = counted(10);
    const requests = readOnce(t.open);
    const first: Request[] = [];
    for await (const r of requests()) {
      first.push(r);
      if (first.length === 3) break;
    }
    expect(await all(requests())).toEqual(t.reqs);
    expect(t.opened.times).toBe(2);
    expect(await all(requests())).toEqual(t.reqs);
    expect(t.opened.times).toBe(2);
  });

  it('reads a trace longer than the limit again for every pass', async () => {
    const t = counted(10);
    const requests = readOnce(t.open, 9);
    expect(await all(requests())).toEqual(t.reqs);
    expect(await all(requests())).toEqual(t.reqs);
    expect(t.opened.times).toBe(2);
    const fits = counted(9);
    const kept = readOnce(fits.open, 9);
    await all(kept());
    expect(await all(kept())).toEqual(fits.reqs);
    expect(fits.opened.times).toBe(1);
  });
});
