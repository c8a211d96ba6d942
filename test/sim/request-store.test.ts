import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import { NumColumn } from '../../src/sim/column.js';
import { EventLog, EV } from '../../src/sim/log.js';
import { RequestStore } from '../../src/sim/request-store.js';

const base = (id: string, extra: Partial<Request> = {}): Request => ({ id, tenant: 'chat', arrival: 1.5, demand: [0.5, 0.25, 1], duration: 0.458, priority: 'high', ...extra });

/** Every optional field, odd ids, -0 and values of every width: each must come back as it went in. */
const REQUESTS: Request[] = [
  base('az-0'),
  base('az-1', { tenant: 'copilot', priority: 'low', sloWait: 30, preemptible: false }),
  base('job-007', { requestedDuration: 3600, deadline: 7200.25, lease: 90 }),
  base('x', { preemptible: true, constraints: { maxLatencyMs: 20, maxCostPerHour: 3.5, pools: ['l4'], labels: { region: 'eu' } } }),
  base('a1b', { dependsOn: ['az-0', 'x'], concurrency: { group: 'fleet', limit: 4 }, gpuModels: ['L4', 'H100'] }),
  base('', { demand: [-0, 1e-300, 2 ** 40] }),
  base('n-123456789012345678', { arrival: -0, duration: 0 }),
  base('n-999999999999999', { arrival: 1e15, priority: 'background' }),
  base('7', { priority: 'critical', sloWait: 0.1 }),
  base('az-1', { tenant: 'chat', priority: 'medium' }),
  // Kept whole: the columns cannot give these back exactly.
  base('short', { demand: [1, 2] }),
  base('nan', { sloWait: NaN }),
  { ...base('extra'), note: 'not a Request field' } as Request,
  base('odd-priority', { priority: 'urgent' as Request['priority'] }),
  base('after-odd', { preemptible: false }),
];

describe('RequestStore', () => {
  it('gives every request back exactly, field by field, and through its accessors', () => {
    const store = new RequestStore();
    REQUESTS.forEach((r, i) => expect(store.add(r)).toBe(i));
    expect(store.length).toBe(REQUESTS.length);
    expect(store.keptWhole).toBe(4);
    REQUESTS.forEach((r, i) => {
      expect(store.get(i)).toStrictEqual(r);
      expect(store.id(i)).toBe(r.id);
      expect(store.tenant(i)).toBe(r.tenant);
      expect(Object.is(store.arrival(i), r.arrival)).toBe(true);
      expect(store.duration(i)).toBe(r.duration);
      expect(store.priority(i)).toBe(r.priority);
      expect(store.sloWait(i)).toBe(r.sloWait);
      expect(store.deadline(i)).toBe(r.deadline);
      expect(store.demand(i)).toStrictEqual([...r.demand]);
    });
    // Absent optional fields are absent, not undefined-valued keys.
    expect(Object.keys(store.get(0)).sort()).toEqual(['arrival', 'demand', 'duration', 'id', 'priority', 'tenant']);
  });

  it('round-trips a generated trace of every field combination', () => {
    const store = new RequestStore();
    const reqs: Request[] = [];
    const constraints = { pools: ['a'] };
    for (let i = 0; i < 3000; i++) {
      const r: Request = {
        id: i % 7 === 0 ? `agent-${i % 11}/step-${i}` : `req-${i}`,
        tenant: `t${i % 5}`,
        arrival: i * 0.37,
        demand: [i % 3, (i * 0.1) % 2, i % 13 === 0 ? 1 : 0],
        duration: 1 + (i % 17) / 3,
        priority: (['critical', 'high', 'medium', 'low', 'background'] as const)[i % 5] as Request['priority'],
        ...(i % 2 === 0 ? { sloWait: i % 4 === 0 ? 2 : 300 } : {}),
        ...(i % 3 === 0 ? { requestedDuration: 10 + i } : {}),
        ...(i % 5 === 0 ? { deadline: i * 2.5 } : {}),
        ...(i % 6 === 0 ? { preemptible: i % 12 === 0 } : {}),
        ...(i % 9 === 0 ? { lease: 60 } : {}),
        ...(i % 10 === 0 ? { dependsOn: [`req-${i - 1}`] } : {}),
        ...(i % 11 === 0 ? { constraints, concurrency: { group: 'g', limit: 2 }, gpuModels: ['V100'] } : {}),
      };
      reqs.push(r);
      store.add(r);
    }
    expect(store.keptWhole).toBe(0);
    reqs.forEach((r, i) => expect(store.get(i)).toStrictEqual(r));
  });

  it('holds about 23 bytes a request for an Azure LLM trace (no objects kept)', () => {
    // 200,000 requests as the azure-llm reader makes them: a constant demand, two tenants, two
    // priorities each with its SLO. Columns: arrival 8 + duration 8 + id number 4 + tenant 1 +
    // priority 1 + sloWait 1 = 23 bytes, the rest constant; plus at most one unused chunk per column.
    const store = new RequestStore();
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const high = i % 10 !== 0;
      store.add({ id: `az-${i}`, tenant: i % 4 === 0 ? 'copilot' : 'chat', arrival: i / 45 + 1e-7 * (i % 3), demand: [0.5, 0.6212, 0.25], duration: 0.1 + (i % 977) / 50, priority: high ? 'high' : 'low', preemptible: false, sloWait: high ? 2 : 30 });
    }
    expect(store.keptWhole).toBe(0);
    const chunkSlack = 23 * 65536;
    expect(store.columnBytes).toBeGreaterThanOrEqual(23 * n);
    expect(store.columnBytes).toBeLessThanOrEqual(23 * n + chunkSlack);
    expect(store.get(n - 1)).toStrictEqual({ id: `az-${n - 1}`, tenant: 'chat', arrival: (n - 1) / 45 + 1e-7 * ((n - 1) % 3), demand: [0.5, 0.6212, 0.25], duration: 0.1 + ((n - 1) % 977) / 50, priority: 'high', preemptible: false, sloWait: 2 });
  });
});

describe('NumColumn', () => {
  it('widens constant → u8 → u16 → u32 → f64 and f32 → f64, across chunks, keeping every value', () => {
    const values: number[] = [];
    for (let i = 0; i < 70_000; i++) values.push(3); // constant past a whole chunk
    values.push(200, 60_000, 0.5, 4e9, 1e-300, -0, NaN, Infinity);
    for (let i = 0; i < 70_000; i++) values.push(i % 2 === 0 ? i : i / 7);
    const col = new NumColumn(NaN);
    values.forEach((v) => col.push(v));
    expect(col.length).toBe(values.length);
    const wrong = values.flatMap((v, i) => (Object.is(col.get(i), v) ? [] : [`row ${i}: ${col.get(i)} ≠ ${v}`]));
    expect(wrong).toEqual([]);
    expect(col.bytes).toBe(3 * 65536 * 8);
  });

  it('takes the narrowest width: small integers 1 byte, float32-exact values 4, a constant none', () => {
    const widths = (vs: number[]): number => {
      const c = new NumColumn(0);
      for (let k = 0; k < 65536; k++) c.push(vs[k % vs.length] as number); // one full chunk
      return c.bytes / 65536;
    };
    expect(widths([2])).toBe(0);
    expect(widths([2, 30])).toBe(1);
    expect(widths([2, 300])).toBe(2);
    expect(widths([0.25, 300])).toBe(4);
    expect(widths([2, 70_000])).toBe(4);
    expect(widths([70_000, 0.25])).toBe(4);
    expect(widths([2, 70_000, 0.25])).toBe(8); // a u32 column cannot become float32 (2^24 + 1 has none)
    expect(widths([0.1])).toBe(0);
    expect(widths([0.1, 0.2])).toBe(8);
  });
});

describe('EventLog.requests', () => {
  it('reads as a read-only array made from the store', () => {
    const log = new EventLog([]);
    REQUESTS.slice(0, 5).forEach((r) => log.push(EV.arrive, r.arrival, log.addRequest(r)));
    const reqs = log.requests;
    expect(reqs.length).toBe(5);
    expect(Array.isArray(reqs)).toBe(true);
    expect(reqs[2]).toStrictEqual(REQUESTS[2]);
    expect(reqs[5]).toBeUndefined();
    expect(reqs.map((r) => r.id)).toEqual(['az-0', 'az-1', 'job-007', 'x', 'a1b']);
    expect([...reqs]).toStrictEqual(REQUESTS.slice(0, 5));
    expect(JSON.parse(JSON.stringify(reqs))).toStrictEqual(JSON.parse(JSON.stringify(REQUESTS.slice(0, 5))));
    expect(Object.keys(reqs)).toEqual(['0', '1', '2', '3', '4']);
    expect(() => ((reqs as Request[])[0] = REQUESTS[9] as Request)).toThrow(TypeError);
    expect(() => (reqs as Request[]).push(REQUESTS[9] as Request)).toThrow(TypeError);
  });

  it('keeps events across chunks (more than 65,536)', () => {
    const log = new EventLog([]);
    const n = 200_000;
    for (let i = 0; i < n; i++) log.push(EV.start, i * 0.5, i, i % 7);
    expect(log.length).toBe(n);
    for (const i of [0, 4095, 4096, 65_535, 65_536, 131_072, n - 1]) {
      expect([log.kind(i), log.time(i), log.ref(i), log.node(i)]).toEqual([EV.start, i * 0.5, i, i % 7]);
    }
    expect(log.eventBytes).toBe(Math.ceil(n / 65536) * 65536 * 17);
  });
});
