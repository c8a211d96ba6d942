import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { loadFleetFile, parseFleet } from '../../src/agents/config.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { agentsScenario } from './scenario-text.js';

const backoff = (rb: unknown) => parseFleet({ config: { restart_backoff: rb }, agents: [{ id: 'a', cpu: 1 }] }).config.backoff;

/*
 * restart_backoff { initial, max }: the delay is min(initial × factor^(n-1), max), so an initial
 * above max was silently cut to max. Written both ways round it is now refused; a default on one
 * side gives way to the value written on the other (`{ max: 2s }` alone: the default initial 5 s
 * would be above it).
 */
describe('restart_backoff: initial and max', () => {
  it('both written with initial above max: an error on config.restart_backoff.initial, with both values', () => {
    const msg = `field 'config.restart_backoff.initial': initial 10 s is above max 2 s (the first restart would wait longer than the longest one); lower initial or raise max`;
    expect(() => backoff({ initial: 10, max: 2 })).toThrow(msg);
    expect(() => backoff({ initial: '10s', max: '2s' })).toThrow(msg);
    expect(() => backoff({ initial: '2m', max: '90s', factor: 3 })).toThrow(/initial 120 s is above max 90 s/);
  });

  it('both written, initial at most max: taken as written', () => {
    expect(backoff({ initial: 2, max: 2 })).toEqual({ initialMs: 2000, maxMs: 2000, factor: 2 });
    expect(backoff({ initial: '1s', max: '1m', factor: 3 })).toEqual({ initialMs: 1000, maxMs: 60_000, factor: 3 });
  });

  it('only max, below the default initial 5 s: initial is max (not an error); above it the default initial stays', () => {
    expect(backoff({ max: 2 })).toEqual({ initialMs: 2000, maxMs: 2000, factor: 2 });
    expect(backoff({ max: '500ms' })).toEqual({ initialMs: 500, maxMs: 500, factor: 2 });
    expect(backoff({ max: '1m' })).toEqual({ initialMs: 5000, maxMs: 60_000, factor: 2 });
  });

  it('only initial, above the default max 5 m: max is initial (it was cut to 5 m without a word); below, the default max stays', () => {
    expect(backoff({ initial: '10m' })).toEqual({ initialMs: 600_000, maxMs: 600_000, factor: 2 });
    expect(backoff({ initial: 1 })).toEqual({ initialMs: 1000, maxMs: 300_000, factor: 2 });
    expect(backoff({})).toEqual({ initialMs: 5000, maxMs: 300_000, factor: 2 });
    expect(parseFleet({ agents: [{ id: 'a', cpu: 1 }] }).config.backoff).toEqual({ initialMs: 5000, maxMs: 300_000, factor: 2 });
  });

  it('a persistent agent with only initial: 10m written waits 10 minutes before its restart, not the default max 5', async () => {
    const clock = new VirtualClock(0);
    const s = new AgentScheduler({
      fleet: parseFleet({ config: { restart_backoff: { initial: '10m' } }, agents: [{ id: 'm', cpu: 1, lifecycle: 'persistent' }] }),
      pools: [{ name: 'main', capacity: { cpu: 4, memory: 16, gpu: 0 }, nodes: 1 }],
      clock,
      launch: (ctx) => new Promise((_resolve, reject) => clock.setTimer(ctx.runId === 'm#1' ? 60_000 : 3_600_000, () => reject(new Error('exit 1')))),
    });
    s.start();
    await clock.advanceTo(30 * 60_000);
    expect(s.listRuns('m').map((r) => (r.startedAt as number) / 1000)).toEqual([0, 660]);
    await s.stop();
  });

  it('a fleet file names its line; a kOS scheduler_config.yaml given beside it names its own', () => {
    const f = tmpFile('fleet-backoff.yaml', 'config:\n  restart_backoff:\n    max: 2s\n    initial: 10s\nagents:\n  - { id: a, cpu: 1 }\n');
    expect(() => loadFleetFile(f)).toThrow(`${f}:4, field 'config.restart_backoff.initial': initial 10 s is above max 2 s`);
    const agents = tmpFile('fleet-only.yaml', 'agents:\n  - { id: a, cpu: 1 }\n');
    const cfg = tmpFile('scheduler_config.yaml', 'max_concurrent_agents: 2\nrestart_backoff: { initial: 10s, max: 2s }\n');
    expect(() => loadFleetFile(agents, cfg)).toThrow(`${cfg}:2, field 'config.restart_backoff.initial': initial 10 s is above max 2 s`);
  });

  it('drs validate and drs serve-config refuse it in a scenario with file, line and field, exit 2', async () => {
    const scen = tmpFile(
      'scenario-backoff.yaml',
      agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    config:', '      restart_backoff: { initial: 10s, max: 2s }', '    agents:', '      - { id: a, cpu: 1, schedule: on-demand, duration: 1m }', ''].join('\n')),
    );
    const expected = `${scen}:10, field 'trace.registry.config.restart_backoff.initial': initial 10 s is above max 2 s (the first restart would wait longer than the longest one); lower initial or raise max\n`;
    const v = await drs(['validate', scen]);
    expect([v.code, v.err]).toEqual([2, `drs validate: ${expected}`]);
    const c = await drs(['serve-config', scen]);
    expect([c.code, c.err]).toEqual([2, `drs serve-config: ${expected}`]);
    const ok = tmpFile('scenario-backoff-ok.yaml', agentsScenario(['  start: 2026-06-01T08:00:00Z', '  registry:', '    config:', '      restart_backoff: { max: 2s }', '    agents:', '      - { id: a, cpu: 1, schedule: on-demand, duration: 1m }', ''].join('\n')));
    expect((await drs(['validate', ok])).code).toBe(0);
  }, 60_000);
});
