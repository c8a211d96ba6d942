import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet } from '../../src/agents/config.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';
import type { FleetDefinition } from '../../src/agents/types.js';
import { ConfigError } from '../../src/core/errors.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { agentsScenario } from './scenario-text.js';

/** An agent triggered (directly or not) by its own lifecycle events would trigger itself for ever. */
const STARTED = 'a run starting triggers the next run at the same instant, so time never advances';
const ENDED = 'each run that ends triggers the next, for ever (at the same instant when a run ends at once)';
const HINT = 'to repeat an agent use a cron schedule, to keep one running use lifecycle: persistent';

describe('cycles of lifecycle triggers', () => {
  it('an agent started by its own start is refused, naming the schedule', () => {
    const agents = [{ id: 'loop', cpu: 1, schedule: ['on-demand', { event: 'started', agent: 'loop' }], duration: '5m' }];
    expect(() => parseFleet({ agents }, { file: 'f.yaml' })).toThrow(ConfigError);
    expect(() => parseFleet({ agents })).toThrow(`field 'agents[0].schedule[1]': trigger cycle: loop —started→ loop: ${STARTED}; ${HINT}`);
  });

  it('a cycle through completed is refused whatever the duration (0, none, 5 minutes)', () => {
    for (const duration of [0, undefined, '5m']) {
      const agents = [{ id: 'loop', cpu: 1, schedule: ['on-demand', { event: 'completed', agent: 'loop' }], ...(duration !== undefined ? { duration } : {}) }];
      expect(() => parseFleet({ agents })).toThrow(`field 'agents[0].schedule[1]': trigger cycle: loop —completed→ loop: ${ENDED}; ${HINT}`);
    }
  });

  it('a cycle mixing a cascade and conditions names the condition, written as the user wrote it', () => {
    const agents = [
      { id: 'a', cpu: 1, schedule: { event: 'crashed', agent: 'c' }, triggers: ['b'] },
      { id: 'b', cpu: 1 },
      { id: 'c', cpu: 1, schedule: [{ cron: '0 * * * *' }, { event: 'started', agent: 'b' }] },
    ];
    expect(() => parseFleet({ agents })).toThrow(`field 'agents[2].schedule[1]': trigger cycle: a —cascade→ b —started→ c —crashed→ a: ${STARTED}; ${HINT}`);
    const pair = [
      { id: 'a', cpu: 1, schedule: { event: 'completed', agent: 'b' }, triggers: ['b'], duration: '1m' },
      { id: 'b', cpu: 1, duration: '1m' },
    ];
    expect(() => parseFleet({ agents: pair })).toThrow(`field 'agents[0].schedule': trigger cycle: a —cascade→ b —completed→ a: ${ENDED}; ${HINT}`);
  });

  it('a chain without a cycle is accepted; a misspelt lifecycle event or an agent condition without one is refused', () => {
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 1, schedule: { event: 'started', agent: 'a' } }] })).not.toThrow();
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 1, schedule: { event: 'complete', agent: 'a' } }] })).toThrow(
      "field 'agents[1].schedule.event': unknown lifecycle event 'complete' of agent 'a' (expected one of started, completed, crashed, failed)",
    );
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 1, schedule: [{ metric: 'disk', above: 1, agent: 'a' }] }] })).toThrow(
      "field 'agents[1].schedule[0].agent': a condition on agent 'a' needs the event to wait for (event: started, completed, crashed, failed)",
    );
  });

  it('the production AgentScheduler refuses a hand-built fleet with such a cycle when constructed', () => {
    const ok = parseFleet({ agents: [{ id: 'loop', cpu: 1, schedule: 'on-demand' }] });
    const loop = { ...ok.agents[0]!, schedules: [{ kind: 'on-demand' as const }, { kind: 'condition' as const, event: 'started', agent: 'loop' }] };
    const fleet: FleetDefinition = { ...ok, agents: [loop] };
    const make = () => new AgentScheduler({ fleet, clock: new VirtualClock(0), pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }], launch: async () => {} });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(`field 'agents[0].schedule[1]': trigger cycle: loop —started→ loop: ${STARTED}; ${HINT}`);
  });

  it('drs validate exits 2 at once instead of looping at one virtual instant', async () => {
    const scenario = agentsScenario(`  start: 2026-06-01T08:00:00Z
  registry:
    agents:
      - { agent_id: loop, cpu: 1, schedule: [on-demand, { event: started, agent: loop }], duration: 5m }
  triggers: [{ agent: loop, at: 1m }]
`);
    const r = await drs(['validate', tmpFile('loop.yaml', scenario)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/loop\.yaml:10, field 'trace\.registry\.agents\[0\]\.schedule\[1\]': trigger cycle: loop —started→ loop/);
  }, 20_000);
});

describe('long chains of agents', () => {
  // The cycle search recursed once per agent along a chain: 6,000 chained agents overflowed the
  // stack, and `drs run` died with a RangeError stack trace instead of checking the fleet.
  const N = 20_000;
  const chain = (edge: 'triggers' | 'dependsOn', closed: boolean) =>
    Array.from({ length: N }, (_, i) => ({ id: `a${i}`, cpu: 1, duration: 1, ...(i + 1 < N || closed ? { [edge]: [`a${(i + 1) % N}`] } : {}) }));

  it(`a cascade or dependency chain of ${N} agents is checked without overflowing the stack`, () => {
    for (const edge of ['triggers', 'dependsOn'] as const) {
      expect(parseFleet({ agents: chain(edge, false) }).agents, edge).toHaveLength(N);
    }
  });

  it(`a cycle through ${N} agents is refused as a cycle, naming where it starts`, () => {
    expect(() => parseFleet({ agents: chain('triggers', true) })).toThrow(/^field 'agents\[0\]\.triggers': cascade cycle: a0 → a1 → a2 → .* → a19999 → a0$/);
    expect(() => parseFleet({ agents: chain('dependsOn', true) })).toThrow(/^field 'agents\[0\]\.dependsOn': dependency cycle: a0 → a1 → .* → a19999 → a0$/);
  });
});
