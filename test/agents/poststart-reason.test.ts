import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet } from '../../src/agents/config.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';

/*
 * A postStart hook runs beside the launch; its failure is reported in the run's reason and the
 * run goes on. One that failed (or timed out) after the run had ended overwrote the reason the
 * run ended with: a run that crashed at 5 s ('crashed: exit 3') read 'postStart hook failed:
 * slack down' in listRuns and GET /v1/agents/:id/runs, the crash gone. So did any failing
 * onShutdown hook, which runs once the run has ended.
 */
describe('a postStart hook that fails after the run ended', () => {
  const T0 = Date.parse('2026-06-01T00:00:00Z');
  const setup = (postStart: (clock: VirtualClock) => Promise<void>) => {
    const clock = new VirtualClock(T0);
    const s = new AgentScheduler({
      fleet: parseFleet({ config: { hook_timeout: 30 }, agents: [{ id: 'job', cpu: 1 }] }),
      pools: [{ name: 'main', capacity: { cpu: 4, memory: 16, gpu: 0 }, nodes: 1 }],
      clock,
      launch: () => new Promise((_resolve, reject) => clock.setTimer(5_000, () => reject(new Error('exit 3')))),
      hooks: { postStart: () => postStart(clock) },
    });
    const timeouts: number[] = [];
    s.on('hook-timeout', (e) => timeouts.push((e.at - T0) / 1000));
    return { s, clock, timeouts };
  };

  it('keeps the reason the run ended with, the failure added to it', async () => {
    const { s, clock } = setup((c) => new Promise((_r, reject) => c.setTimer(10_000, () => reject(new Error('slack down')))));
    s.trigger('job');
    await clock.advanceTo(T0 + 60_000);
    expect(s.getRun('job#1')).toMatchObject({ state: 'crashed', reason: 'crashed: exit 3; postStart hook failed: slack down', endedAt: T0 + 5_000 });
  });

  it('keeps it when the hook times out later, and still reports the timeout', async () => {
    const { s, clock, timeouts } = setup(() => new Promise(() => {}));
    s.trigger('job');
    await clock.advanceTo(T0 + 60_000);
    expect(s.getRun('job#1')).toMatchObject({ state: 'crashed', reason: 'crashed: exit 3; postStart hook timed out after 30000 ms' });
    expect(timeouts).toEqual([30]);
  });

  it('still reports a failure while the run goes on', async () => {
    const { s, clock } = setup((c) => new Promise((_r, reject) => c.setTimer(1_000, () => reject(new Error('slack down')))));
    s.trigger('job');
    await clock.advanceTo(T0 + 2_000);
    expect(s.getRun('job#1')).toMatchObject({ state: 'running', reason: 'postStart hook failed: slack down' });
  });

  it('an onShutdown failure is added to the reason the run ended with', async () => {
    const clock = new VirtualClock(T0);
    const s = new AgentScheduler({
      fleet: parseFleet({ agents: [{ id: 'job', cpu: 1, timeout: '1m' }] }),
      pools: [{ name: 'main', capacity: { cpu: 4, memory: 16, gpu: 0 }, nodes: 1 }],
      clock,
      launch: () => new Promise(() => {}),
      hooks: { onShutdown: () => Promise.reject(new Error('archive full')) },
    });
    s.trigger('job');
    await clock.advanceTo(T0 + 120_000);
    expect(s.getRun('job#1')).toMatchObject({ state: 'timed-out', reason: 'ran longer than its timeout of 60000 ms; onShutdown hook failed: archive full' });
  });
});
