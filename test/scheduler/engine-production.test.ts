import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/** The engine's rules in production: dependencies, solver reports, strategy readiness. */
function scheduler(extra: ConstructorParameters<typeof ResourceScheduler>[0] = {}): { s: ResourceScheduler; tick: (ms: number) => void } {
  let now = 0;
  const s = new ResourceScheduler({
    clock: () => now,
    timers: false,
    queue: { policy: 'fcfs', options: { blocking: false } },
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }],
    ...extra,
  });
  return { s, tick: (ms) => (now += ms) };
}

describe('dependencies in production (dependsOn)', () => {
  it('a request waits until every dependency is released, then starts', () => {
    const { s } = scheduler();
    expect(s.allocate({ id: 'plan', units: 1 }).status).toBe('allocated');
    expect(s.allocate({ id: 'tool', units: 1 }).status).toBe('allocated');
    // Capacity is free (2 cpu) but its dependencies are still running: it waits.
    const sum = s.allocate({ id: 'sum', units: 1, dependsOn: ['plan', 'tool'] });
    expect(sum).toMatchObject({ status: 'queued', reason: { code: 'wait' } });
    expect(sum.status === 'queued' && sum.reason.message).toMatch(/plan/);
    s.release('plan');
    expect(s.status('sum').status).toBe('queued');
    s.release('tool');
    expect(s.status('sum').status).toBe('allocated');
    s.checkInvariants();
  });

  it('a failed dependency rejects its dependents with dependency-failed', () => {
    const { s, tick } = scheduler();
    expect(s.allocate({ id: 'a', units: 1 }, 1000).status).toBe('allocated');
    const rejected: { id: string; code: string }[] = [];
    s.on('rejected', (e) => rejected.push({ id: e.requestId, code: e.rejection.code }));
    expect(s.allocate({ id: 'b', units: 1, dependsOn: ['a'] }).status).toBe('queued');
    tick(2000);
    s.tick(); // a's lease expires: it did not complete
    expect(rejected).toEqual([{ id: 'b', code: 'dependency-failed' }]);
    expect(s.status('b')).toMatchObject({ status: 'ended', how: 'rejected' });
  });

  it('unknown ids and self-dependencies are UserErrors', () => {
    const { s } = scheduler();
    expect(() => s.allocate({ id: 'x', units: 1, dependsOn: ['nope'] })).toThrow(UserError);
    expect(() => s.allocate({ id: 'x', units: 1, dependsOn: ['nope'] })).toThrow(/depends on unknown request 'nope'/);
    expect(() => s.allocate({ id: 'y', units: 1, dependsOn: ['y'] })).toThrow(/depends on itself/);
    expect(s.healthy).toBe(true);
  });
});

describe('strategies with an asynchronous setup (ilp loads HiGHS)', () => {
  it('refuses to decide before prepare() finished, says how, and decides after ready()', async () => {
    const s = new ResourceScheduler({ strategy: 'ilp', timers: false, pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 2 }] });
    expect(() => s.allocate({ units: 1 })).toThrow(/await scheduler\.ready\(\)/);
    await s.ready();
    const reports: string[] = [];
    s.on('solver', (e) => reports.push(`${e.report.backend}:${e.report.status}`));
    expect(s.allocate({ id: 'r1', units: 2 }).status).toBe('allocated');
    // The decision's SolverReport reached the events and the scheduler's counters.
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/:(optimal|feasible)$/);
    expect(Object.values(s.solverStatus).reduce((a, b) => a + b, 0)).toBe(1);
    expect(s.lastSolverReport?.status).toMatch(/optimal|feasible/);
    s.close();
  });
});
