import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet, type FleetInput } from '../../src/agents/config.js';
import { AgentScheduler, type LaunchHook, type RunContext } from '../../src/agents/scheduler.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const POOLS = [{ name: 'main', capacity: { cpu: 16, memory: 64, gpu: 0 }, nodes: 1 }];

/** A launcher whose runs last `ms(ctx)` of virtual time and crash when `crash(ctx)` says so. */
function timed(clock: VirtualClock, ms: (c: RunContext) => number, crash: (c: RunContext) => boolean = () => false): LaunchHook {
  return (ctx) =>
    new Promise((resolve, reject) => {
      const h = clock.setTimer(ms(ctx), () => (crash(ctx) ? reject(new Error('exit 1')) : resolve(undefined)));
      ctx.signal.addEventListener('abort', () => clock.clear(h));
    });
}

function fleet(input: FleetInput, launch: (c: VirtualClock) => LaunchHook, extra: Partial<ConstructorParameters<typeof AgentScheduler>[0]> = {}) {
  const clock = new VirtualClock(T0);
  const s = new AgentScheduler({ fleet: parseFleet(input), pools: POOLS, clock, launch: launch(clock), ...extra });
  const log: string[] = [];
  s.on('state', (e) => log.push(`${(e.at - T0) / 1000}s ${e.runId} ${e.to}`));
  return { s, clock, log };
}

describe('AgentScheduler lifecycles on a virtual clock', () => {
  it('a crashed persistent agent is restarted with exponential backoff (5 s, 10 s, 20 s)', async () => {
    const { s, clock } = fleet(
      { config: { restart_backoff: { initial: 5, max: 300, factor: 2 } }, agents: [{ id: 'monitor', cpu: 1, lifecycle: 'persistent' }] },
      (c) => timed(c, () => 60_000, () => true), // every run crashes after 60 s
    );
    s.start();
    await clock.advanceTo(T0 + 10 * 60_000);
    const starts = s.listRuns('monitor').slice(0, 4).map((r) => ((r.startedAt as number) - T0) / 1000);
    // crash at 60 → +5 → start 65; crash 125 → +10 → 135; crash 195 → +20 → 215
    expect(starts).toEqual([0, 65, 135, 215]);
    expect(s.listRuns('monitor')[1]?.cause).toEqual({ kind: 'restart', after: 'monitor#1', attempt: 1 });
    expect(s.status()[0]).toMatchObject({ id: 'monitor', restarts: expect.any(Number) });
    expect(s.status()[0]?.crashes).toBeGreaterThanOrEqual(4);
  });

  it('a restarted run reads crashed once: running → crashed → rebooting → restarted, keeping why it crashed', async () => {
    const { s, clock, log } = fleet(
      { config: { restart_backoff: { initial: 5, max: 300, factor: 2 } }, agents: [{ id: 'm', cpu: 1, lifecycle: 'persistent' }] },
      (c) => timed(c, () => 60_000, (ctx) => ctx.runId === 'm#1'),
    );
    s.start();
    await clock.advanceTo(T0 + 120_000);
    expect(log).toEqual(['0s m#1 pending', '0s m#1 starting', '0s m#1 running', '60s m#1 crashed', '60s m#1 rebooting', '65s m#1 restarted', '65s m#2 pending', '65s m#2 starting', '65s m#2 running']);
    expect(s.getRun('m#1')).toMatchObject({ state: 'restarted', reason: 'crashed: exit 1; restarted (attempt 1)' });
    expect(s.status()[0]).toMatchObject({ state: 'running', crashes: 1, restarts: 1, currentRun: 'm#2' });
    await s.stop();
  });

  it('a crashed ephemeral agent is not restarted, and its resources are released', async () => {
    const { s, clock } = fleet({ agents: [{ id: 'job', cpu: 4 }] }, (c) => timed(c, () => 30_000, () => true));
    s.trigger('job');
    await clock.advanceTo(T0 + 3_600_000);
    expect(s.listRuns('job').map((r) => r.state)).toEqual(['crashed']);
    expect(s.scheduler.listAllocations()).toEqual([]);
    expect(s.status()[0]).toMatchObject({ state: 'crashed', crashes: 1, restarts: 0 });
  });

  it('reschedule_on_crash: false leaves a crashed persistent agent down', async () => {
    const { s, clock } = fleet({ config: { reschedule_on_crash: false }, agents: [{ id: 'm', cpu: 1, lifecycle: 'persistent' }] }, (c) => timed(c, () => 1000, () => true));
    s.start();
    await clock.advanceTo(T0 + 600_000);
    expect(s.listRuns('m')).toHaveLength(1);
  });

  it('a hook that hangs is timed out: the run fails, its resources are freed, hook-timeout is reported', async () => {
    const timeouts: string[] = [];
    let launched = 0;
    const { s, clock, log } = fleet({ config: { hook_timeout: 10 }, agents: [{ id: 'warm', cpu: 2 }] }, () => async () => void launched++, {
      hooks: { preStart: () => new Promise<void>(() => {}) }, // never settles
    });
    s.on('hook-timeout', (e) => timeouts.push(`${(e.at - T0) / 1000}s ${e.hook}`));
    s.trigger('warm');
    await clock.advanceTo(T0 + 9_999);
    expect(s.getRun('warm#1')?.state).toBe('starting');
    await clock.advanceTo(T0 + 10_000);
    expect(timeouts).toEqual(['10s preStart']);
    expect(s.getRun('warm#1')).toMatchObject({ state: 'failed', reason: 'preStart hook timed out after 10000 ms' });
    expect(launched).toBe(0);
    expect(s.scheduler.listAllocations()).toEqual([]);
    expect(log).toEqual(['0s warm#1 pending', '0s warm#1 starting', '10s warm#1 failed']);
  });

  it('a hanging onShutdown hook is timed out too and does not hold resources', async () => {
    const timeouts: string[] = [];
    const { s, clock } = fleet({ config: { hook_timeout: { preStart: 1, onShutdown: 5 } }, agents: [{ id: 'j', cpu: 2 }] }, (c) => timed(c, () => 1000), { hooks: { onShutdown: () => new Promise<void>(() => {}) } });
    s.on('hook-timeout', (e) => timeouts.push(`${(e.at - T0) / 1000}s ${e.hook}`));
    s.trigger('j');
    await clock.advanceTo(T0 + 60_000);
    expect(timeouts).toEqual(['6s onShutdown']);
    expect(s.getRun('j#1')?.state).toBe('completed');
  });

  it('a silent agent is marked crashed after heartbeat_misses × heartbeat_interval and its allocation freed', async () => {
    const { s, clock } = fleet({ config: { heartbeat_interval: 5, heartbeat_misses: 3, reschedule_on_crash: false }, agents: [{ id: 'quiet', cpu: 1, lifecycle: 'persistent' }, { id: 'chatty', cpu: 1, lifecycle: 'persistent' }] }, (c) => (ctx) => {
      if (ctx.agent.id === 'chatty') {
        const beat = () => { ctx.heartbeat(); if (!ctx.signal.aborted) c.setTimer(5000, beat); };
        beat();
      }
      return new Promise(() => {});
    });
    s.start();
    await clock.advanceTo(T0 + 14_999);
    expect(s.getRun('quiet#1')?.state).toBe('running');
    await clock.advanceTo(T0 + 15_000);
    expect(s.getRun('quiet#1')).toMatchObject({ state: 'crashed', reason: 'crashed: no heartbeat for 15000 ms' });
    await clock.advanceTo(T0 + 120_000);
    expect(s.getRun('chatty#1')?.state).toBe('running');
    expect(s.scheduler.listAllocations().map((a) => a.id)).toEqual(['chatty#1']);
    await s.stop();
  });

  it('a heartbeat exactly at the deadline keeps the run alive (silent longer than misses × interval crashes, as a run ending exactly at its timeout completes)', async () => {
    // heartbeat_misses 1: an agent that beats every interval, on the dot, misses none. The watch's
    // timer was armed before the agent's next beat, so at the shared instant it fired first and
    // marked the run crashed at 5 s.
    const { s, clock } = fleet({ config: { heartbeat_interval: 5, heartbeat_misses: 1, reschedule_on_crash: false }, agents: [{ id: 'punctual', cpu: 1, lifecycle: 'persistent' }, { id: 'late', cpu: 1, lifecycle: 'persistent' }] }, (c) => (ctx) => {
      const every = ctx.agent.id === 'punctual' ? 5000 : 5001;
      const beat = () => { if (!ctx.signal.aborted) { ctx.heartbeat(); c.setTimer(every, beat); } };
      c.setTimer(every, beat);
      return new Promise(() => {});
    });
    s.start();
    await clock.advanceTo(T0 + 60_000);
    expect(s.getRun('punctual#1')?.state).toBe('running');
    // One millisecond late is a miss.
    expect(s.getRun('late#1')).toMatchObject({ state: 'crashed', reason: 'crashed: no heartbeat for 5000 ms', endedAt: T0 + 5000 });
    await s.stop();
  });

  it('a cron firing while the previous run still runs starts another run beside it (no overlap policy; 6-field cron, seconds first)', async () => {
    // Every 20 s, each run 30 s: runs #1 and #2 overlap from 20 s to 30 s.
    const { s, clock, log } = fleet({ agents: [{ id: 'tick', cpu: 1, schedule: { cron: '*/20 * * * * *' }, timeout: 3600 }] }, (c) => timed(c, () => 30_000));
    s.start();
    await clock.advanceTo(T0 + 45_000);
    expect(s.listRuns('tick').map((r) => [r.id, ((r.startedAt as number) - T0) / 1000, r.state])).toEqual([
      ['tick#1', 0, 'completed'],
      ['tick#2', 20, 'running'],
      ['tick#3', 40, 'running'],
    ]);
    expect(log.filter((l) => l.endsWith(' running'))).toEqual(['0s tick#1 running', '20s tick#2 running', '40s tick#3 running']);
    await s.stop();
  });

  it('an ephemeral run past its timeout is stopped (timed-out) and its work aborted', async () => {
    let aborted = false;
    const { s, clock } = fleet({ config: { agent_timeout_default: 60 }, agents: [{ id: 'slow', cpu: 1 }] }, () => (ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => (aborted = true))));
    s.trigger('slow');
    await clock.advanceTo(T0 + 61_000);
    expect(s.getRun('slow#1')?.state).toBe('timed-out');
    expect(aborted).toBe(true);
  });

  it('max_concurrent_agents holds runs back; priority mode starts the most important first', async () => {
    const { s, clock } = fleet(
      { config: { max_concurrent_agents: 1 }, agents: [{ id: 'low', cpu: 1, priority: 'low' }, { id: 'crit', cpu: 1, priority: 'critical' }, { id: 'med', cpu: 1 }] },
      (c) => timed(c, () => 10_000),
    );
    s.trigger('low');
    s.trigger('med');
    s.trigger('crit');
    await clock.advanceTo(T0 + 60_000);
    const starts = (id: string) => ((s.getRun(`${id}#1`)?.startedAt as number) - T0) / 1000;
    expect([starts('crit'), starts('med'), starts('low')]).toEqual([0, 10, 20]);
  });

  it('cascades start on completion; dependencies wait for earlier runs of the dependency', async () => {
    const { s, clock } = fleet(
      {
        agents: [
          { id: 'ingest', cpu: 1, schedule: { cron: '0 * * * *' }, duration: 600 },
          { id: 'report', cpu: 1, schedule: { cron: '0 * * * *' }, dependsOn: ['ingest'] },
          { id: 'reason', cpu: 1, triggers: ['summarize'] },
          { id: 'summarize', cpu: 1 },
        ],
      },
      (c) => timed(c, (ctx) => (ctx.agent.id === 'ingest' ? 600_000 : 120_000)),
    );
    s.start();
    s.trigger('reason');
    await clock.advanceTo(T0 + 3 * 3_600_000 - 1);
    const at = (id: string) => s.listRuns(id).map((r) => ((r.startedAt as number) - T0) / 60_000);
    expect(at('ingest')).toEqual([0, 60, 120]);
    expect(at('report')).toEqual([10, 70, 130]);
    expect(s.getRun('report#1')?.waitedFor).toEqual(new Set(['ingest#1']));
    expect(at('summarize')).toEqual([2]);
    expect(s.getRun('summarize#1')?.cause).toEqual({ kind: 'cascade', from: 'reason#1' });
  });

  it('conditions: a named event, another agent crashing, a metric crossing its threshold (once per crossing)', async () => {
    const { s, clock } = fleet(
      {
        agents: [
          { id: 'on-alert', cpu: 1, schedule: { event: 'alert' } },
          { id: 'medic', cpu: 1, schedule: { event: 'crashed', agent: 'flaky' } },
          { id: 'flaky', cpu: 1 },
          { id: 'scaler', cpu: 1, schedule: { metric: 'queue_depth', above: 10 } },
        ],
      },
      (c) => timed(c, () => 1000, (ctx) => ctx.agent.id === 'flaky'),
    );
    s.emit('alert');
    s.trigger('flaky');
    for (const v of [5, 11, 12, 3, 15]) s.setMetric('queue_depth', v);
    await clock.advanceTo(T0 + 60_000);
    expect(s.listRuns('on-alert')).toHaveLength(1);
    expect(s.listRuns('medic').map((r) => r.cause)).toEqual([{ kind: 'condition', event: 'flaky.crashed' }]);
    expect(s.listRuns('scaler')).toHaveLength(2);
  });

  it('preemption: a critical agent takes a low one\'s resources; the low run goes back to pending and restarts later', async () => {
    const { s, clock, log } = fleet(
      { config: { allow_agent_preemption: true }, agents: [{ id: 'batch', cpu: 16, priority: 'low' }, { id: 'urgent', cpu: 16, priority: 'critical' }] },
      (c) => timed(c, () => 100_000),
    );
    s.trigger('batch');
    await clock.advanceTo(T0 + 10_000);
    s.trigger('urgent');
    await clock.advanceTo(T0 + 400_000);
    expect(log.filter((l) => l.includes('batch'))).toEqual(['0s batch#1 pending', '0s batch#1 starting', '0s batch#1 running', '10s batch#1 preempted', '10s batch#1 pending', '110s batch#1 starting', '110s batch#1 running', '210s batch#1 completed']);
  });

  it('a preempted run\'s old launch settling later (it ignored the abort) does not end the requeued run', async () => {
    const { s, clock, log } = fleet(
      { config: { allow_agent_preemption: true }, agents: [{ id: 'batch', cpu: 16, priority: 'low' }, { id: 'urgent', cpu: 16, priority: 'critical' }] },
      (c) => (ctx) => new Promise((resolve) => c.setTimer(ctx.agent.id === 'batch' ? 50_000 : 100_000, () => resolve(undefined))),
    );
    s.trigger('batch');
    await clock.advanceTo(T0 + 10_000);
    s.trigger('urgent');
    await clock.advanceTo(T0 + 400_000);
    // batch#1's first launch resolves at 50 s while the run waits: ignored. It restarts at 110 s, done at 160 s.
    expect(log.filter((l) => l.includes('batch'))).toEqual(['0s batch#1 pending', '0s batch#1 starting', '0s batch#1 running', '10s batch#1 preempted', '10s batch#1 pending', '110s batch#1 starting', '110s batch#1 running', '160s batch#1 completed']);
  });

  it('max_memory_usage: nothing starts that would take allocated memory above the share', async () => {
    const { s, clock } = fleet({ config: { max_memory_usage: '50%' }, agents: [{ id: 'a', cpu: 1, memory: 20 }, { id: 'b', cpu: 1, memory: 20 }] }, (c) => timed(c, () => 10_000));
    s.trigger('a');
    s.trigger('b');
    await clock.advanceTo(T0 + 60_000);
    // 64 GiB total, 50 % = 32: a (20) runs, b (20 more = 40) waits until a is done.
    expect([s.getRun('a#1')?.startedAt, s.getRun('b#1')?.startedAt].map((t) => ((t as number) - T0) / 1000)).toEqual([0, 10]);
  });
});

describe('AgentScheduler memory', () => {
  it('keeps at most keepRuns ended runs per agent; run numbers and counts go on', async () => {
    const { s, clock } = fleet({ agents: [{ id: 'tick', cpu: 1, schedule: { cron: '* * * * *' } }] }, (c) => timed(c, () => 1000), { keepRuns: 5 });
    s.start();
    await clock.advanceTo(T0 + 60 * 60_000 - 1);
    expect(s.listRuns('tick').map((r) => r.id)).toEqual(['tick#56', 'tick#57', 'tick#58', 'tick#59', 'tick#60']);
    expect(s.status()[0]?.runs).toBe(60);
  });
});
