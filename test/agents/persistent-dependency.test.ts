import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet, type FleetInput } from '../../src/agents/config.js';
import { AgentScheduler, type LaunchHook, type LifecycleHooks } from '../../src/agents/scheduler.js';
import { planFleet } from '../../src/agents/workload.js';

/*
 * A run that depends on a persistent agent starts once that agent has a run `running`. A run
 * reaches `running` after its preStart hooks, not in the pass that granted its resources, and
 * nothing tried the pending runs again then: a dependent pending at that moment (both booted
 * together, or triggered while the dependency was restarting) waited for an unrelated trigger or
 * end, for ever in a quiet fleet (`api#1 pending` all day beside `db#1 running`).
 */

const T0 = Date.parse('2026-03-01T00:00:00Z');
const POOLS = [{ name: 'main', capacity: { cpu: 16, memory: 64, gpu: 0 }, nodes: 1 }];

/** Runs that last for ever, except those named in `crashAt` (run id → ms after its launch). */
function launcher(clock: VirtualClock, crashAt: Readonly<Record<string, number>> = {}): LaunchHook {
  return (ctx) =>
    new Promise((_resolve, reject) => {
      const ms = crashAt[ctx.runId];
      if (ms === undefined) return;
      const h = clock.setTimer(ms, () => reject(new Error('exit 1')));
      ctx.signal.addEventListener('abort', () => clock.clear(h));
    });
}

function fleet(input: FleetInput, crashAt: Readonly<Record<string, number>> = {}, hooks?: LifecycleHooks) {
  const clock = new VirtualClock(T0);
  const s = new AgentScheduler({ fleet: parseFleet(input), pools: POOLS, clock, launch: launcher(clock, crashAt), ...(hooks !== undefined ? { hooks } : {}) });
  const started = new Map<string, number>();
  s.on('started', (e) => started.set(e.runId, (e.at - T0) / 1000));
  return { s, clock, started };
}

describe('a run depending on a persistent agent', () => {
  it('starts when the dependency, booted with it, reaches running (was: pending for ever)', async () => {
    const { s, clock, started } = fleet({ agents: [{ id: 'db', cpu: 1, lifecycle: 'persistent' }, { id: 'api', cpu: 1, lifecycle: 'persistent', dependsOn: ['db'] }] });
    s.start();
    await clock.advanceTo(T0 + 3_600_000);
    expect(Object.fromEntries(started)).toEqual({ 'db#1': 0, 'api#1': 0 });
    expect(s.status().map((a) => a.state)).toEqual(['running', 'running']);
    await s.stop();
  });

  it('starts when the dependency leaves its 30 s preStart hook, not before', async () => {
    const hooks: LifecycleHooks = { preStart: (ctx) => (ctx.agent.id === 'db' ? new Promise<void>((r) => clockRef.c.setTimer(30_000, r)) : undefined) };
    const clockRef = { c: undefined as unknown as VirtualClock };
    const { s, clock, started } = fleet({ config: { hook_timeout: 60 }, agents: [{ id: 'db', cpu: 1, lifecycle: 'persistent' }, { id: 'api', cpu: 1, lifecycle: 'persistent', dependsOn: ['db'] }] }, {}, hooks);
    clockRef.c = clock;
    s.start();
    await clock.advanceTo(T0 + 29_999);
    expect(s.getRun('api#1')?.state).toBe('pending');
    await clock.advanceTo(T0 + 3_600_000);
    // db#1 started (resources granted) at 0 and is running from 30 s; api#1 then starts at 30 s.
    expect(Object.fromEntries(started)).toEqual({ 'db#1': 0, 'api#1': 30 });
    await s.stop();
  });

  it('triggered while the dependency waits out its restart backoff, starts with the restarted run', async () => {
    // db#1 crashes at 60 s, restarts after 5 s (db#2 at 65 s); report is asked for at 62 s.
    const { s, clock, started } = fleet({ config: { restart_backoff: { initial: 5, max: 300 } }, agents: [{ id: 'db', cpu: 1, lifecycle: 'persistent' }, { id: 'report', cpu: 1, dependsOn: ['db'] }] }, { 'db#1': 60_000 });
    s.start();
    clock.setTimer(62_000, () => s.trigger('report'));
    await clock.advanceTo(T0 + 3_600_000);
    expect(Object.fromEntries(started)).toEqual({ 'db#1': 0, 'db#2': 65, 'report#1': 65 });
    await s.stop();
  });

  it('is planned in simulation too: both persistent agents run from the start', async () => {
    const runs = await planFleet(parseFleet({ agents: [{ id: 'db', cpu: 1, lifecycle: 'persistent' }, { id: 'api', cpu: 1, lifecycle: 'persistent', dependsOn: ['db'] }] }), { start: T0, horizonMs: 3_600_000, seed: 1 });
    expect(runs.map((r) => [r.id, (r.start - T0) / 1000, r.outcome])).toEqual([
      ['db#1', 0, 'running'],
      ['api#1', 0, 'running'],
    ]);
  });
});
