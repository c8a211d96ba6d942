import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet } from '../../src/agents/config.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';
import { agentRequests, agentTraceFleet, simulatedLaunch } from '../../src/agents/workload.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { agentsScenario } from './scenario-text.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const collect = async (it: AsyncIterable<Request>) => {
  const out: Request[] = [];
  for await (const r of it) out.push(r);
  return out;
};
const trace = (agents: object[], extra: object = {}) => ({ kind: 'agents', start: '2026-06-01T08:00:00Z', horizon: '1h', registry: { agents }, ...extra });
const requests = (t: object, pools?: string[]) => collect(agentRequests(t, { space, baseDir: '.', seed: 1, file: 's.yaml', ...(pools !== undefined ? { pools } : {}) }));

describe('agents trace: what drs run would otherwise play silently', () => {
  it("an agent pool the scenario lacks is refused, as production's AgentScheduler refuses it", async () => {
    const t = trace([{ agent_id: 'a', cpu: 1, schedule: 'on-demand', duration: '1m', pool: 'gpu' }], { triggers: [{ agent: 'a', at: '10m' }] });
    const msg = "s.yaml, field 'trace.registry.agents[0].pool': unknown pool 'gpu' (the scenario's pools: cpu)";
    expect(() => agentTraceFleet(t, { baseDir: '.', file: 's.yaml', pools: ['cpu'] })).toThrow(msg);
    await expect(requests(t, ['cpu'])).rejects.toThrow(msg);
    const { fleet } = agentTraceFleet(t, { baseDir: '.' });
    expect(() => new AgentScheduler({ fleet, pools: [{ name: 'cpu', capacity: { cpu: 16 }, nodes: 1 }], launch: async () => {} })).toThrow("field 'agents[0].pool': unknown pool 'gpu'");
    // drs validate passes the scenario's pools, and names the line.
    const scen = agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    agents:', '      - { agent_id: a, cpu: 1, schedule: on-demand, duration: 1m, pool: gpu }', '  triggers: [{ agent: a, at: 10m }]', ''].join('\n'));
    const file = tmpFile('agent-pool.yaml', scen);
    const r = await drs(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs validate: ${file}:10, field 'trace.registry.agents[0].pool': unknown pool 'gpu' (the scenario's pools: cpu)\n`);
  });

  it('an agent larger than a node of every pool it may use is refused (every run would be rejected), exit 2 with line and field', async () => {
    const scen = (agent: string) => agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    agents:', `      - ${agent}`, '  triggers: [{ agent: a, at: 10m }]', ''].join('\n'));
    const kos = tmpFile('agent-huge.yaml', scen('{ agent_id: a, cpu: 64, schedule: on-demand, duration: 1m }'));
    for (const cmd of ['validate', 'run']) {
      const r = await drs([cmd, kos]);
      expect([r.code, r.err]).toEqual([2, `drs ${cmd}: ${kos}:10, field 'trace.registry.agents[0].cpu': agent 'a' never fits: it asks for more than a node of any pool it may use has (pool 'cpu': cpu 64 > 16), so every run would be rejected as never-fits\n`]);
    }
    const ours = tmpFile('agent-huge-resources.yaml', scen('{ id: a, resources: { memory: 100Gi }, pool: cpu, schedule: on-demand, duration: 1m }'));
    const r = await drs(['run', ours]);
    expect([r.code, r.err]).toEqual([2, `drs run: ${ours}:10, field 'trace.registry.agents[0].resources.memory': agent 'a' never fits: it asks for more than a node of any pool it may use has (pool 'cpu': memory 100 > 64), so every run would be rejected as never-fits\n`]);
    // What fits a node is not refused.
    expect((await drs(['validate', tmpFile('agent-fits.yaml', scen('{ agent_id: a, cpu: 16, memory: 64Gi, schedule: on-demand, duration: 1m }'))])).code).toBe(0);
  });

  it('an agent only pools of nodes.max 0 could run is refused (every run would wait to the end), exit 2 with line and field', async () => {
    // Pool 'big' never has a node: no scaling policy goes past max.
    const scen = (agent: string) => agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    agents:', `      - ${agent}`, '  triggers: [{ agent: a, at: 10m }]', ''].join('\n'))
      .replace('pools:\n', 'pools:\n  - { name: big, capacity: { cpu: 64, memory: 256Gi }, nodes: 0, pricePerHour: 3 }\n');
    const tooBig = tmpFile('agent-empty-big.yaml', scen('{ agent_id: a, cpu: 32, schedule: on-demand, duration: 1m }'));
    for (const cmd of ['validate', 'run']) {
      const r = await drs([cmd, tooBig]);
      expect([r.code, r.err]).toEqual([2, `drs ${cmd}: ${tooBig}:11, field 'trace.registry.agents[0].pool': agent 'a' can run only on pool 'big', which never has a node (nodes.max 0): every run would wait until the period ends\n`]);
    }
    const pinned = tmpFile('agent-empty-pinned.yaml', scen('{ agent_id: a, cpu: 1, pool: big, schedule: on-demand, duration: 1m }'));
    expect((await drs(['validate', pinned])).err).toContain("agent 'a' can run only on pool 'big', which never has a node");
    // One that fits a node of a pool with nodes is not refused.
    expect((await drs(['validate', tmpFile('agent-empty-ok.yaml', scen('{ agent_id: a, cpu: 1, schedule: on-demand, duration: 1m }'))])).code).toBe(0);
  });

  it('an error in a fleet file names that file and its line, not the scenario', async () => {
    const fleet = tmpFile('fleet.yaml', 'agents:\n  - { agent_id: a, cpu: 1, schedule: on-demand, duration: 1m }\n  - { agent_id: b, cpu: lots, schedule: on-demand, duration: 1m }\n');
    const file = tmpFile('fleet-scenario.yaml', agentsScenario(`  start: 2026-06-01T08:00:00Z\n  file: ${fleet}\n`));
    const r = await drs(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs validate: ${fleet}:3, field 'agents[1].cpu': expected a non-negative amount such as 2, "500m", "16Gi" or "4GB", got "lots"\n`);
  });

  it('an ephemeral agent needs a duration > 0; a persistent one takes none', () => {
    const check = (agent: object) => () => agentTraceFleet(trace([agent]), { baseDir: '.', file: 's.yaml' });
    const need = "s.yaml, field 'trace.registry.agents[0].duration': agent 'nodur' needs a duration > 0 in a simulation: how long each of its runs takes (e.g. duration: 5m)";
    expect(check({ agent_id: 'nodur', cpu: 1, schedule: { cron: '*/20 * * * *' } })).toThrow(need);
    expect(check({ agent_id: 'nodur', cpu: 1, schedule: { cron: '*/20 * * * *' }, duration: 0 })).toThrow(need);
    expect(check({ agent_id: 'mon', cpu: 1, lifecycle: 'persistent', duration: '1h' })).toThrow(
      "s.yaml, field 'trace.registry.agents[0].duration': agent 'mon' is persistent: its runs last until they crash or the period ends, so duration would be ignored; remove it, or make the agent ephemeral",
    );
    expect(check({ agent_id: 'mon', cpu: 1, lifecycle: 'persistent' })).not.toThrow();
  });

  it('an event or metric no schedule listens to is refused, naming the field', () => {
    const agents = [{ agent_id: 'b', cpu: 1, schedule: [{ event: 'alert' }, { event: 'started', agent: 'b2' }], duration: '1m' }, { agent_id: 'b2', cpu: 1, duration: '1m' }];
    const check = (extra: object) => () => agentTraceFleet(trace(agents, extra), { baseDir: '.', file: 's.yaml' });
    expect(check({ events: [{ name: 'alert', at: '5m' }, { name: 'alrt', at: '10m' }] })).toThrow(
      "s.yaml, field 'trace.events[1].name': no schedule listens to event 'alrt', so it would do nothing (the fleet's event schedules listen to: alert)",
    );
    // A lifecycle event is the scheduler's own, never a trace event.
    expect(check({ events: [{ name: 'started', at: '5m' }] })).toThrow(/field 'trace\.events\[0\]\.name': no schedule listens to event 'started'/);
    expect(check({ metrics: [{ name: 'disk', at: '5m', value: 1 }] })).toThrow(
      "s.yaml, field 'trace.metrics[0].name': no schedule listens to metric 'disk', so it would do nothing (the fleet has no metric schedule)",
    );
  });

  it('a trigger, event or metric at or after the end of the period is refused (it would never fire)', async () => {
    const agents = [{ agent_id: 'a', cpu: 1, schedule: ['on-demand', { event: 'alert' }, { metric: 'disk', above: 0.9 }], duration: '1m' }];
    await expect(requests(trace(agents, { triggers: [{ agent: 'a', at: '2h' }] }))).rejects.toThrow(
      "s.yaml, field 'trace.triggers[0].at': at 2.0h is not before the end of the simulated period (horizon 60.0m), so it would never happen; move it inside the period or lengthen the horizon",
    );
    await expect(requests(trace(agents, { events: [{ name: 'alert', at: '1h' }] }))).rejects.toThrow(/field 'trace\.events\[0\]\.at': at 60\.0m is not before the end/);
    await expect(requests(trace(agents, { metrics: [{ name: 'disk', at: '61m', value: 1 }] }))).rejects.toThrow(/field 'trace\.metrics\[0\]\.at'/);
    // Checked with the fleet when the horizon is known (drs validate names the line then).
    expect(() => agentTraceFleet({ ...trace(agents, { triggers: [{ agent: 'a', at: '2h' }] }), horizon: undefined }, { baseDir: '.', file: 's.yaml', horizon: 3600 })).toThrow(/s\.yaml, field 'trace\.triggers\[0\]\.at': at 2\.0h/);
    const v = await drs(['validate', tmpFile('s.yaml', `name: h\npools:\n  - { name: cpu, capacity: { cpu: 16 }, nodes: 1, pricePerHour: 1 }\ndimensions: [cpu]\ntrace:\n  kind: agents\n  start: 2026-06-01T08:00:00Z\n  horizon: 1h\n  registry: { agents: [{ id: a, cpu: 1, duration: 1m }] }\n  triggers: [{ agent: a, at: 2h }]\nstrategies: [first-fit]\n`)]);
    expect(v.code).toBe(2);
    expect(v.err).toContain("s.yaml:10, field 'trace.triggers[0].at': at 2.0h is not before the end of the simulated period (horizon 60.0m)");
    const ok = await requests(trace(agents, { triggers: [{ agent: 'a', at: '59m' }], events: [{ name: 'alert', at: '10m' }], metrics: [{ name: 'disk', at: '20m', value: 1 }] }));
    expect(ok.map((r) => `${r.id}@${r.arrival}`)).toEqual(['a#1@600', 'a#2@1200', 'a#3@3540']);
  });
});

describe('agents trace: a trace.horizon longer than the scenario\'s', () => {
  /*
   * The run ends at the scenario's horizon, whatever trace.horizon says: a trigger between the two
   * passed the check (made against trace.horizon alone), validated ok, and did nothing in the run.
   */
  it('an input after the scenario\'s horizon is refused, naming both horizons', async () => {
    const agents = [{ agent_id: 'a', cpu: 1, schedule: 'on-demand', duration: '1m' }];
    const t = trace(agents, { horizon: '2h', triggers: [{ agent: 'a', at: '10m' }, { agent: 'a', at: '90m' }] });
    const msg = "s.yaml, field 'trace.triggers[1].at': at 90.0m is not before the end of the simulated period (horizon 60.0m: the scenario's, which ends the run before trace.horizon 2.0h), so it would never happen; move it inside the period or lengthen the horizon";
    expect(() => agentTraceFleet(t, { baseDir: '.', file: 's.yaml', horizon: 3600 })).toThrow(msg);
    await expect(collect(agentRequests(t, { space, baseDir: '.', seed: 1, file: 's.yaml', horizon: 3600 }))).rejects.toThrow(msg);
    // Within both horizons, or with the scenario's the longer one, it is taken.
    expect(() => agentTraceFleet(t, { baseDir: '.', file: 's.yaml', horizon: 5400.5 })).not.toThrow();
    const ok = await collect(agentRequests(trace(agents, { horizon: '2h', triggers: [{ agent: 'a', at: '10m' }, { agent: 'a', at: '59m' }] }), { space, baseDir: '.', seed: 1, file: 's.yaml', horizon: 3600 }));
    expect(ok.map((r) => `${r.id}@${r.arrival}`)).toEqual(['a#1@600', 'a#2@3540']);
  });
});

describe('agents trace: a run past its timeout', () => {
  const agents = [
    { agent_id: 'long', cpu: 1, schedule: { cron: '0 * * * *' }, duration: '5m' },
    { agent_id: 'down', cpu: 1, schedule: { cron: '0 * * * *' }, duration: '1m', dependsOn: ['long'] },
  ];
  const registry = { config: { agent_timeout_default: 60 }, agents };

  it('is timed out in production, also when it would end exactly at its timeout (that completes)', async () => {
    const fleet = parseFleet(registry);
    const clock = new VirtualClock(Date.parse('2026-06-01T08:00:00Z'));
    const s = new AgentScheduler({ fleet, clock, pools: [{ name: 'p', capacity: { cpu: 16 }, nodes: 1 }], launch: simulatedLaunch(clock, 1) });
    s.start();
    await clock.advance(30 * 60_000);
    expect(s.listRuns().map((r) => `${r.id} ${r.state}`)).toEqual(['long#1 timed-out', 'down#1 completed']);
  });

  it('becomes a request that expires at the timeout (not done); its dependent still runs after it, as in production', async () => {
    const reqs = await requests({ kind: 'agents', start: '2026-06-01T08:00:00Z', horizon: '30m', registry });
    expect(reqs).toEqual([
      expect.objectContaining({ id: 'long#1', arrival: 0, duration: 300, lease: 60, requestedDuration: 300 }),
      expect.objectContaining({ id: 'down#1', arrival: 60, duration: 60 }),
    ]);
    expect(reqs[1]).not.toHaveProperty('dependsOn');
    expect(reqs[1]).not.toHaveProperty('lease');
  });

  it('drs run counts it as expired, not completed', async () => {
    const scenario = agentsScenario(
      `  start: 2026-06-01T08:00:00Z
  registry:
    config: { agent_timeout_default: 60 }
    agents:
      - { agent_id: long, cpu: 1, schedule: { cron: '0 * * * *' }, duration: 5m }
      - { agent_id: down, cpu: 1, schedule: { cron: '0 * * * *' }, duration: 1m, dependsOn: [long] }
`,
      '30m',
    );
    const json = tmpFile('out.json', '');
    const r = await drs(['run', tmpFile('s.yaml', scenario), '--json', json, '--quiet']);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(readFileSync(json, 'utf8')).results[0].metrics.requests;
    expect(m).toMatchObject({ total: 2, completed: 1, expired: 1, rejected: 0, unfinished: 0 });
  });
});
