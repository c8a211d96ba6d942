import { describe, expect, it } from 'vitest';
import { loadFleetFile, parseFleet } from '../../src/agents/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { agentsScenario } from './scenario-text.js';

describe('fleet definitions', () => {
  it('accepts the kOS scheduler_config.yaml keys and a kOS agent registration as they are', () => {
    const f = parseFleet({
      config: { max_concurrent_agents: 12, scheduler_mode: 'priority', heartbeat_interval: 5, allow_agent_preemption: true, max_memory_usage: '85%', log_retention_days: 30, agent_timeout_default: 600, reschedule_on_crash: true },
      agents: [{ agent_id: 'prompt_optimizer', capabilities: ['prompt_analysis', 'optimization'], exec_env: 'docker', entry_point: '/app/start.sh', priority: 'high', tags: ['llm', 'nlp'], cpu: 2, gpu: 1, memory: '4Gi' }],
    });
    expect(f.config).toMatchObject({ maxConcurrentAgents: 12, mode: 'priority', heartbeatIntervalMs: 5000, allowPreemption: true, maxMemoryUsage: 0.85, defaultTimeoutMs: 600_000, rescheduleOnCrash: true, logRetentionDays: 30 });
    expect(f.agents[0]).toMatchObject({ id: 'prompt_optimizer', priority: 'high', exec: { env: 'docker', entryPoint: '/app/start.sh' }, resources: { cpu: 2, gpu: 1, memory: 4 }, tags: ['llm', 'nlp'], lifecycle: 'ephemeral' });
  });

  it('a dependency cycle is an error that spells the cycle out', () => {
    const agents = [
      { id: 'a', cpu: 1, dependsOn: ['c'] },
      { id: 'b', cpu: 1, dependsOn: ['a'] },
      { id: 'c', cpu: 1, dependsOn: ['b'] },
    ];
    expect(() => parseFleet({ agents }, { file: 'f.yaml' })).toThrow(ConfigError);
    expect(() => parseFleet({ agents })).toThrow(/field 'agents\[0\]\.dependsOn'.*dependency cycle: a → c → b → a/);
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1, dependsOn: ['a'] }] })).toThrow(/dependency cycle: a → a/);
  });

  it('a cascade cycle, an unknown agent, a duplicate id and an agent without resources are errors naming the field', () => {
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1, triggers: ['b'] }, { id: 'b', cpu: 1, triggers: ['a'] }] })).toThrow(/cascade cycle: a → b → a/);
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1, triggers: ['zz'] }] })).toThrow(/agents\[0\]\.triggers\[0\].*unknown agent 'zz'/);
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1 }, { id: 'a', cpu: 1 }] })).toThrow(/agents\[1\]\.id.*duplicate/);
    expect(() => parseFleet({ agents: [{ agent_id: 'a', cpu: 1 }, { agent_id: 'a', cpu: 1 }] })).toThrow(/agents\[1\]\.agent_id'.*duplicate agent id 'a'/);
    expect(() => parseFleet({ agents: [{ id: 'a' }] })).toThrow(/agents\[0\]\.resources/);
    expect(() => parseFleet({ config: { max_memory_usage: '185%' }, agents: [{ id: 'a', cpu: 1 }] })).toThrow(/config\.max_memory_usage/);
    expect(() => parseFleet({ config: { bogus: 1 }, agents: [{ id: 'a', cpu: 1 }] })).toThrow(/unknown key 'bogus'/);
  });
});

describe('an unknown key in a fleet file', () => {
  it('is named by its own path and line, not its parent map\'s first line', async () => {
    const fleet = tmpFile('fleet-unknown.yaml', 'config:\n  max_concurrent_agents: 2\n  colour: red\nagents:\n  - id: a\n    cpu: 1\n    colour: blue\n');
    expect(() => loadFleetFile(fleet)).toThrow(`${fleet}:3, field 'config.colour': unknown key 'colour'`);
    const agent = tmpFile('fleet-unknown-agent.yaml', 'agents:\n  - id: a\n    cpu: 1\n    colour: blue\n');
    expect(() => loadFleetFile(agent)).toThrow(`${agent}:4, field 'agents[0].colour': unknown key 'colour'`);
    // A key near a known one is suggested, as in a scenario (src/core/plain-issue.ts KEY_HINTS).
    const typoed = tmpFile('fleet-typo.yaml', 'agents:\n  - id: a\n    cpu: 1\n    dependson: []\n');
    expect(() => loadFleetFile(typoed)).toThrow(`${typoed}:4, field 'agents[0].dependson': unknown key 'dependson' (did you mean 'dependsOn'?)`);
    // Inline in a scenario: drs run names the scenario's line of the key.
    const scen = tmpFile('scenario-unknown.yaml', agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    agents:', '      - id: a', '        cpu: 1', '        schedule: on-demand', '        duration: 1m', '        colour: blue', ''].join('\n')));
    const r = await drs(['run', scen]);
    // Nothing near: the keys an agent takes (its aliases too), sorted.
    const agentKeys = 'agent_id, capabilities, cpu, crashRate, dependsOn, duration, entry_point, exec, exec_env, gpu, heartbeat, id, lifecycle, memory, pool, priority, resources, schedule, tags, timeout, triggers';
    expect([r.code, r.err]).toEqual([2, `drs run: ${scen}:14, field 'trace.registry.agents[0].colour': unknown key 'colour' (expected one of ${agentKeys})\n`]);
    const typo = tmpFile('scenario-typo.yaml', agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    agents:', '      - { id: a, cpu: 1, schedule: on-demand, duration: 1m }', '  trigers: [{ agent: a, at: 10m }]', ''].join('\n')));
    const t = await drs(['validate', typo]);
    expect([t.code, t.err]).toEqual([2, `drs validate: ${typo}:11, field 'trace.trigers': unknown key 'trigers' (did you mean 'triggers'?)\n`]);
  });
});

/*
 * A metric condition with both bounds fires when the value goes either side of them (value > above
 * or value < below). Written as a band (above: 2, below: 5, "between 2 and 5"), every value is
 * one side or the other: the condition always held, fired once at the first sample and never
 * again, without a word.
 */
describe('a metric condition with both above and below', () => {
  const fleet = (cond: Record<string, unknown>) => ({ agents: [{ id: 'a', cpu: 1, schedule: { metric: 'load', ...cond } }] });

  it('is refused when above < below (every value is above one or below the other), naming the field', () => {
    expect(() => parseFleet(fleet({ above: 2, below: 5 }), { file: 'f.yaml' })).toThrow(
      new ConfigError('above 2 is less than below 5: every value is > 2 or < 5, so the condition always holds and fires once, at the first sample; with both, it fires when the value leaves the band [below, above], so above ≥ below', { file: 'f.yaml', field: 'agents[0].schedule.above' }),
    );
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1, schedule: ['on-demand', { metric: 'load', above: 0, below: 0.5 }] }] })).toThrow(/field 'agents\[0\]\.schedule\[1\]\.above': above 0 is less than below 0\.5/);
  });

  it('is taken when above ≥ below (outside a band, or every value but one)', () => {
    expect(parseFleet(fleet({ above: 5, below: 2 })).agents[0]?.schedules).toEqual([{ kind: 'condition', metric: 'load', above: 5, below: 2 }]);
    expect(parseFleet(fleet({ above: 3, below: 3 })).agents[0]?.schedules).toEqual([{ kind: 'condition', metric: 'load', above: 3, below: 3 }]);
  });
});

/*
 * A schedule is one of four forms (or a list of them). A mistake in any of them was reported as
 * the list form's: "expected an array (see docs/scenarios.md)" for a typo in a cron mapping, a
 * missing cron, a word instead of a mapping; "matches none of the accepted forms" inside a list.
 * The form is told by `kind`, else by its keys, and the error is that form's.
 */
describe('a schedule written wrong', () => {
  const message = (schedule: unknown): string => {
    try {
      parseFleet({ agents: [{ id: 'a', cpu: 1, schedule }] });
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  const FORMS = 'expected "on-demand", a cron mapping ({ cron }), a condition ({ event } or { metric } with above or below), or a list of them';

  it('is reported as the error of the form it is written in, at its own field', () => {
    expect(message({ cron: '0 * * * *', tz: 'UTC' })).toMatch(/^field 'agents\[0\]\.schedule\.tz': unknown key 'tz'/);
    expect(message({ kind: 'cron' })).toBe("field 'agents[0].schedule.cron': missing required field (expected a string)");
    expect(message({ metric: 'load', above: '5' })).toBe("field 'agents[0].schedule.above': expected a number, got a string");
    expect(message({ event: 'x', metric: 'm' })).toBe("field 'agents[0].schedule': a condition names exactly one of event or metric");
    expect(message({ kind: 'weekly' })).toBe(`field 'agents[0].schedule.kind': expected one of "on-demand", "cron", "condition" (see docs/agents.md)`);
    expect(message({ timezone: 'UTC' })).toBe(`field 'agents[0].schedule': a schedule needs cron, event or metric (or is "on-demand"), got keys timezone (see docs/agents.md)`);
    expect(message('hourly')).toBe(`field 'agents[0].schedule': ${FORMS}, got "hourly" (see docs/agents.md)`);
    expect(message(5)).toBe(`field 'agents[0].schedule': ${FORMS}, got 5 (see docs/agents.md)`);
  });

  it('in a list, names the item', () => {
    expect(message(['on-demand', { cron: '0 * * * *', tz: 'UTC' }])).toMatch(/^field 'agents\[0\]\.schedule\[1\]\.tz': unknown key 'tz'/);
    expect(message([{ event: 'x', above: 'y' }])).toBe("field 'agents[0].schedule[0].above': expected a number, got a string");
    expect(message(['hourly'])).toBe(`field 'agents[0].schedule[0]': ${FORMS}, got "hourly" (see docs/agents.md)`);
  });

  it('the forms written right are taken as before', () => {
    const schedules = (schedule: unknown) => parseFleet({ agents: [{ id: 'a', cpu: 1, schedule }] }).agents[0]?.schedules;
    expect(schedules('on-demand')).toEqual([{ kind: 'on-demand' }]);
    expect(schedules({ kind: 'on-demand' })).toEqual([{ kind: 'on-demand' }]);
    expect(schedules({ kind: 'cron', cron: '0 * * * *', timezone: 'Europe/Berlin' })).toEqual([{ kind: 'cron', cron: '0 * * * *', timezone: 'Europe/Berlin' }]);
    expect(schedules([{ cron: '0 * * * *' }, { event: 'go' }, { kind: 'condition', metric: 'm', below: 1 }])).toEqual([
      { kind: 'cron', cron: '0 * * * *', timezone: 'UTC' },
      { kind: 'condition', event: 'go' },
      { kind: 'condition', metric: 'm', below: 1 },
    ]);
    expect(schedules([])).toEqual([]);
  });
});

describe('max_memory_usage', () => {
  const limit = (v: unknown) => parseFleet({ config: { max_memory_usage: v }, agents: [{ id: 'a', cpu: 1 }] }).config.maxMemoryUsage;
  it('takes a percentage with % or a fraction 0 < x ≤ 1', () => {
    expect(limit('85%')).toBeCloseTo(0.85, 12);
    expect(limit(' 12.5 % ')).toBeCloseTo(0.125, 12);
    expect(limit('100%')).toBe(1);
    expect(limit(0.85)).toBe(0.85);
    expect(limit(1)).toBe(1);
  });
  it('refuses a bare number above 1 (1.5 % or 150 %?) and anything outside (0, 100 %], naming the field', () => {
    expect(() => limit(1.5)).toThrow(`field 'config.max_memory_usage': expected a share such as "85%" or 0.85 (more than 0, at most 100 %), got 1.5 (a bare number is a fraction of 1; write a percentage with %, e.g. "1.5%")`);
    expect(() => limit(85)).toThrow(/got 85 \(a bare number is a fraction of 1; write a percentage with %, e\.g\. "85%"\)/);
    expect(() => limit(0)).toThrow(`field 'config.max_memory_usage': expected a share such as "85%" or 0.85 (more than 0, at most 100 %), got 0`);
    expect(() => limit('0.85')).toThrow(/got "0\.85"/);
    expect(() => limit('185%')).toThrow(/got "185%"/);
  });
});

describe('fleet files', () => {
  it('reads a fleet file with the kOS scheduler_config.yaml beside it, both verbatim', async () => {
    const { loadFleetFile } = await import('../../src/agents/config.js');
    const dir = new URL('./fixtures/', import.meta.url).pathname;
    const f = loadFleetFile(`${dir}agents.yaml`, `${dir}scheduler_config.yaml`);
    expect(f.config).toMatchObject({ maxConcurrentAgents: 12, mode: 'priority', heartbeatIntervalMs: 5000, allowPreemption: true, maxMemoryUsage: 0.85, defaultTimeoutMs: 600_000, rescheduleOnCrash: true });
    // 4GB = 4·10⁹ bytes = 3.725 GiB
    expect(f.agents[0]?.resources.memory).toBeCloseTo(4e9 / 2 ** 30, 9);
    expect(() => loadFleetFile(`${dir}missing.yaml`)).toThrow(/missing\.yaml.*cannot read \(ENOENT\)/);
  });
});
