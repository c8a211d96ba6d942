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
import { tmpFile } from '../cli/helpers.js';

/**
 * parity.test.ts checks kos-fleet.yaml, whose pools never make a run wait: no preemption and no
 * timeout happens there. These fleets contend for one 4-CPU node: the simulator (replay of the
 * scenario) and production (AgentScheduler over a ResourceScheduler with the same pool, virtual
 * clock, seeded launcher) must still start and end every run at the same times.
 */
async function both(yaml: string): Promise<{ sim: string[]; prod: string[] }> {
  const file = tmpFile('contention.yaml', yaml);
  const sc = await loadScenario(file);
  const input = await buildScenario(sc, { file, dataRoot: '/nonexistent' });
  const s0 = input.strategies[0]!;
  const out = await replay({ space: input.space, pools: input.pools, requests: input.requests(), allocator: s0.allocator(), queue: s0.queue(), seed: input.seed, horizon: sc.horizon as number });
  const names: Record<number, string> = { [EV.start]: 'start', [EV.complete]: 'end', [EV.expire]: 'end', [EV.preempt]: 'preempted' };
  const sim: string[] = [];
  for (let i = 0; i < out.log.length; i++) {
    const k = names[out.log.kind(i)];
    if (k !== undefined) sim.push(`${out.log.time(i) / 60}m ${out.log.requests[out.log.ref(i)]!.id} ${k}`);
  }
  const { spec, fleet, start } = agentTraceFleet(sc.trace, { baseDir: path.dirname(file), file });
  const clock = new VirtualClock(start);
  const scheduler = new ResourceScheduler({ pools: input.pools.map((p) => ({ name: p.name, capacity: input.space.record(p.capacity), nodes: p.nodes.initial })), clock: () => clock.now(), timers: false, preemption: fleet.config.allowPreemption });
  const agents = new AgentScheduler({ fleet, scheduler, clock, launch: simulatedLaunch(clock, spec.seed ?? sc.seed) });
  const prod: string[] = [];
  const map: Partial<Record<string, string>> = { starting: 'start', completed: 'end', 'timed-out': 'end', crashed: 'end', preempted: 'preempted' };
  agents.on('state', (e) => map[e.to] !== undefined && prod.push(`${(e.at - start) / 60_000}m ${e.runId} ${map[e.to]}`));
  for (const t of spec.triggers) clock.setTimer(t.at * 1000, () => agents.trigger(t.agent));
  agents.start();
  await clock.advanceTo(start + (sc.horizon as number) * 1000 - 1);
  await agents.stop();
  return { sim, prod };
}

const scenario = (config: string, agents: string[], triggers = '[]') => `name: contention
seed: 1
horizon: 2h
pools:
  - { name: cpu, capacity: { cpu: 4, memory: 32Gi }, nodes: 1, pricePerHour: 1 }
trace:
  kind: agents
  start: 2026-03-01T00:00:00Z
  registry:
    config: ${config}
    agents:
${agents.map((a) => `      - ${a}`).join('\n')}
  triggers: ${triggers}
strategies: [{ name: first-fit, preemption: true }]
`;

describe('simulation and production agree when agents contend for a node', () => {
  it('preemption: the critical run evicts the low one, which starts again when it ends; a timed-out run ends at its timeout', async () => {
    const { sim, prod } = await both(scenario('{ allow_agent_preemption: true, agent_timeout_default: 20m }', [
      '{ id: low, cpu: 4, priority: low, duration: 30m, timeout: 1h, schedule: { cron: "0 0 * * *" } }',
      '{ id: crit, cpu: 4, priority: critical, duration: 5m, schedule: on-demand }',
      '{ id: slow, cpu: 1, duration: 30m, schedule: on-demand }',
    ], '[{ agent: crit, at: 10m }, { agent: slow, at: 50m }]'));
    expect(prod).toEqual(['0m low#1 start', '10m low#1 preempted', '10m crit#1 start', '15m crit#1 end', '15m low#1 start', '45m low#1 end', '50m slow#1 start', '70m slow#1 end']);
    expect([...sim].sort()).toEqual([...prod].sort());
  });

  // Known gap (docs/agents.md): the plan applies max_concurrent_agents over unlimited resources,
  // so when the pools make a run wait, the simulator starts later runs the plan let through
  // meanwhile: x, y and z at 10m (3 > 2), where production starts x and y, then z at 20m.
  // `it.fails`: green while the gap exists, red once it is closed (then make it a plain `it`).
  it.fails('max_concurrent_agents when a run waits for capacity (known gap)', async () => {
    const cron = 'schedule: { cron: "0 0 * * *" }';
    const { sim, prod } = await both(scenario('{ max_concurrent_agents: 2, scheduler_mode: fifo }', [`{ id: big, cpu: 4, duration: 10m, ${cron} }`, ...['x', 'y', 'z'].map((id) => `{ id: ${id}, cpu: 1, duration: 10m, ${cron} }`)]));
    expect([...sim].sort()).toEqual([...prod].sort());
  });
});
