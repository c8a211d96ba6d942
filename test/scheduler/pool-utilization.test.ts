import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/index.js';

describe('listPools() utilization', () => {
  it('is null, not 0, for a dimension the pool has no capacity of (gpu on a CPU pool, any dimension with no node up)', () => {
    const s = new ResourceScheduler({ timers: false });
    s.addPool({ name: 'cpu', capacity: { cpu: 64, memory: 256 }, nodes: 2 });
    s.addPool({ name: 'idle', capacity: { cpu: 8, memory: 32, gpu: 1 }, nodes: { min: 0, max: 2, initial: 0 } });
    expect(s.allocate({ id: 'a', pool: 'cpu', demand: { cpu: 32, memory: 64 } }).status).toBe('allocated');
    const [cpu, idle] = s.listPools();
    expect(cpu?.utilization).toEqual({ cpu: 0.25, memory: 0.125, gpu: null });
    expect(idle?.utilization).toEqual({ cpu: null, memory: null, gpu: null });
    // JSON (the HTTP body) keeps the null: a missing key would read as "not reported" and 0 as idle.
    expect(JSON.parse(JSON.stringify(cpu))).toMatchObject({ utilization: { gpu: null } });
    s.close();
  });
});
