import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';
import { agentTraceFleet, simulatedLaunch } from '../../src/agents/workload.js';
import { buildScenario } from '../../src/scenario/build.js';
import { loadScenario } from '../../src/scenario/load.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * Issue 14: one fleet definition (scenarios/kos-fleet.yaml) drives `drs run` and production, and
 * both start every agent run at the same time. Simulation: the scenario's workload through the
 * simulator (replay) with its first strategy. Production: AgentScheduler over a ResourceScheduler
 * holding the scenario's pools, on a virtual clock from the scenario's start, with the seeded
 * simulated launcher (same durations and crashes), heartbeats watched (the simulated agents beat
 * every heartbeat_interval), and the same on-demand triggers and metric samples.
 */
const FILE = path.resolve(import.meta.dirname, '../../scenarios/kos-fleet.yaml');

describe('kos-fleet: simulation and production start every run at the same time', () => {
  it('same runs, same start times, over a day', async () => {
    const sc = await loadScenario(FILE);
    const input = await buildScenario(sc, { file: FILE, dataRoot: '/nonexistent' });
    const first = input.strategies[0]!;
    const out = await replay({ space: input.space, pools: input.pools, requests: input.requests(), allocator: first.allocator(), queue: first.queue(), seed: input.seed, horizon: sc.horizon as number });
    const sim = new Map<string, number>();
    for (let i = 0; i < out.log.length; i++) {
      if (out.log.kind(i) !== EV.start) continue;
      const id = out.log.requests[out.log.ref(i)]!.id;
      if (!sim.has(id)) sim.set(id, out.log.time(i));
    }

    const { spec, fleet, start } = agentTraceFleet(sc.trace, { baseDir: path.dirname(FILE), file: FILE });
    const clock = new VirtualClock(start);
    const scheduler = new ResourceScheduler({
      pools: input.pools.map((p) => ({ name: p.name, capacity: input.space.record(p.capacity), nodes: p.nodes.initial, pricePerHour: p.pricePerHour, latencyMs: p.latencyMs, labels: p.labels })),
      clock: () => clock.now(),
      timers: false,
      preemption: fleet.config.allowPreemption,
    });
    const agents = new AgentScheduler({ fleet, scheduler, clock, launch: simulatedLaunch(clock, spec.seed ?? sc.seed, fleet.config.heartbeatIntervalMs) });
    for (const t of spec.triggers) clock.setTimer(t.at * 1000, () => agents.trigger(t.agent));
    for (const m of spec.metrics) clock.setTimer(m.at * 1000, () => agents.setMetric(m.name, m.value));
    agents.start();
    await clock.advanceTo(start + (sc.horizon as number) * 1000 - 1);
    const prod = new Map<string, number>();
    for (const r of agents.listRuns()) if (r.startedAt !== undefined) prod.set(r.id, (r.startedAt - start) / 1000);
    await agents.stop();

    expect(prod.size).toBeGreaterThan(80);
    expect([...prod.keys()].sort()).toEqual([...sim.keys()].sort());
    for (const [id, t] of prod) expect(sim.get(id), id).toBeCloseTo(t, 6);
    // What the day contains: every kind of trigger.
    const kinds = new Set(agents.listRuns().map((r) => r.cause.kind));
    expect([...kinds].sort()).toEqual(['boot', 'cascade', 'condition', 'cron', 'on-demand', 'restart']);
    // The nightly 02:30 job ran at 03:00 CEST (01:00Z): 02:30 did not exist that night.
    expect(new Date(start + prod.get('archive_nightly#1')! * 1000).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // 24 hourly ingests; each KPI report starts when its hour's ingest is done (7 min later).
    expect(agents.listRuns('feed_ingest')).toHaveLength(24);
    for (let h = 1; h <= 24; h++) expect(prod.get(`kpi_report#${h}`)! - prod.get(`feed_ingest#${h}`)!).toBe(420);
  }, 60_000);
});
