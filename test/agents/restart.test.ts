import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet } from '../../src/agents/config.js';
import { AgentScheduler, type LaunchHook } from '../../src/agents/scheduler.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * A restart of the process (`drs serve` killed with -9, state in SQLite): the restored
 * ResourceScheduler still holds the allocations of the dead process's agent runs. The new
 * AgentScheduler cannot watch or stop those runs; it must not leak their resources, nor reuse
 * their run ids (the persistent `monitor#1` failed for ever with "id 'monitor#1' is already
 * allocated"). Modelled here by a second AgentScheduler over the same scheduler.
 */
const T0 = Date.parse('2026-03-01T00:00:00Z');
const forever: LaunchHook = () => new Promise(() => {});

describe('AgentScheduler over a scheduler restored from a previous process', () => {
  it('releases the runs the previous process left allocated and numbers new runs after them', async () => {
    const clock = new VirtualClock(T0);
    const scheduler = new ResourceScheduler({ pools: [{ name: 'p', capacity: { cpu: 4, memory: 8 }, nodes: 1 }], clock: () => clock.now(), timers: false });
    scheduler.allocate({ id: 'other', tenant: 'team', demand: { cpu: 1 } }); // not an agent run: kept
    const fleet = parseFleet({ agents: [{ id: 'monitor', cpu: 2, lifecycle: 'persistent' }, { id: 'job', cpu: 1 }] });
    const before = new AgentScheduler({ fleet, scheduler, clock, launch: forever });
    before.start();
    before.trigger('job');
    await clock.advanceTo(T0 + 1000);
    expect(scheduler.listAllocations().map((a) => a.id).sort()).toEqual(['job#1', 'monitor#1', 'other']);

    // The process dies without stopping anything; a new one starts over the restored state.
    const after = new AgentScheduler({ fleet, scheduler, clock, launch: forever });
    expect(scheduler.listAllocations().map((a) => a.id)).toEqual(['other']);
    after.start();
    await clock.advanceTo(T0 + 2000);
    expect(after.getRun('monitor#2')?.state).toBe('running');
    expect(after.trigger('job')).toBe('job#2');
    await clock.advanceTo(T0 + 3000);
    expect(after.getRun('job#2')?.state).toBe('running');
    expect(scheduler.listAllocations().map((a) => a.id).sort()).toEqual(['job#2', 'monitor#2', 'other']);
    await after.stop();
  });
});
