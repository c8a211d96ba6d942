import { describe, expect, it } from 'vitest';
import { parseFleet } from '../../src/agents/config.js';
import { agentRequests, planFleet } from '../../src/agents/workload.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { agentTrace, NEVER_BECAME_REQUESTS } from '../../src/scenario/agent-trace.js';
import { traceStatsNotes } from '../../src/traces/trace-stats.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { agentsScenario } from './scenario-text.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const collect = async (it: AsyncIterable<Request>) => {
  const out: Request[] = [];
  for await (const r of it) out.push(r);
  return out;
};

describe('agents workload (trace kind agents)', () => {
  const registry = {
    config: { max_concurrent_agents: 2 },
    agents: [
      { id: 'ingest', cpu: 2, memory: '4Gi', schedule: { cron: '*/30 * * * *' }, duration: '10m' },
      { id: 'report', cpu: 1, schedule: { cron: '*/30 * * * *' }, dependsOn: ['ingest'], duration: '5m', triggers: ['mail'] },
      { id: 'mail', cpu: 1, duration: '1m', pool: 'cpu' },
      { id: 'mon', cpu: 1, lifecycle: 'persistent', crashRate: 2 },
    ],
  };

  it('turns runs into requests: arrivals after dependencies and cascades, demand, pool, dependsOn, in arrival order', async () => {
    const reqs = await collect(agentRequests({ kind: 'agents', start: '2026-01-01T00:00:00Z', horizon: '1h', registry }, { space, baseDir: '.', seed: 3 }));
    const byId = new Map(reqs.map((r) => [r.id, r]));
    expect(byId.get('ingest#1')).toMatchObject({ tenant: 'ingest', arrival: 0, duration: 600, demand: [2, 4, 0], priority: 'medium' });
    expect(byId.get('report#1')).toMatchObject({ arrival: 600, duration: 300, dependsOn: ['ingest#1'] });
    expect(byId.get('mail#1')).toMatchObject({ arrival: 900, duration: 60, dependsOn: ['report#1'], constraints: { pools: ['cpu'] } });
    expect(byId.get('ingest#2')).toMatchObject({ arrival: 1800 });
    expect(reqs.map((r) => r.arrival)).toEqual([...reqs.map((r) => r.arrival)].sort((a, b) => a - b));
    // The monitor crashes at a seeded rate of 2/h and is restarted 5 s (then 10 s, ...) later.
    const mons = reqs.filter((r) => r.tenant === 'mon');
    expect(mons.length).toBeGreaterThan(1);
    expect(mons[1]!.arrival - (mons[0]!.arrival + mons[0]!.lease!)).toBeCloseTo(5, 6);
  });

  it('a crashed run is no done request: its lease ends it at the crash, with work left undone (expired)', async () => {
    const reqs = await collect(agentRequests({ kind: 'agents', start: '2026-01-01T00:00:00Z', horizon: '6h', registry: { agents: [
      { id: 'mon', cpu: 1, lifecycle: 'persistent', crashRate: 2 },
      { id: 'flaky', cpu: 1, schedule: { cron: '0 * * * *' }, duration: '50m', timeout: '1h', crashRate: 1 },
      { id: 'after', cpu: 1, schedule: { cron: '0 * * * *' }, dependsOn: ['flaky'], duration: '1m' },
    ] } }, { space, baseDir: '.', seed: 5 }));
    const crashed = (r: Request) => r.lease !== undefined;
    const mons = reqs.filter((r) => r.tenant === 'mon');
    // Every monitor run but the last (still up at the end) crashed: it lasts past its lease.
    expect(mons.slice(0, -1).every((r) => crashed(r) && r.duration > r.lease!)).toBe(true);
    expect(mons.at(-1)!.lease).toBeUndefined();
    const flaky = reqs.filter((r) => r.tenant === 'flaky');
    expect(flaky.some(crashed)).toBe(true);
    expect(flaky.some((r) => !crashed(r) && r.duration === 3000)).toBe(true);
    for (const r of flaky.filter(crashed)) expect([r.lease! < 3000, r.duration]).toEqual([true, 3000]);
    // A dependent of a crashed run keeps its arrival, not the dependency (the simulator would reject it).
    const crashedIds = new Set(reqs.filter(crashed).map((r) => r.id));
    for (const r of reqs.filter((q) => q.tenant === 'after')) expect((r.dependsOn ?? []).filter((d) => crashedIds.has(d))).toEqual([]);
  });

  it('max_concurrent_agents is the engine\'s, not the plan\'s: every run arrives when triggered, in the concurrency group of the limit', async () => {
    const registry3 = { config: { max_concurrent_agents: 2 }, agents: [1, 2, 3].map((i) => ({ id: `a${i}`, cpu: 1, schedule: { cron: '0 * * * *' }, duration: '10m' })) };
    const runs = await planFleet(parseFleet(registry3), { start: Date.parse('2026-01-01T00:00:00Z'), horizonMs: 3_600_000, seed: 1 });
    // Held back here (over unlimited resources), a3 would arrive at 10m, late when the pools delay a1 or a2.
    expect(runs.map((r) => `${r.id}@${(r.start - Date.parse('2026-01-01T00:00:00Z')) / 60_000}m`)).toEqual(['a1#1@0m', 'a2#1@0m', 'a3#1@0m']);
    const requests = await collect(agentRequests({ kind: 'agents', start: '2026-01-01T00:00:00Z', horizon: '1h', registry: registry3 }, { space, baseDir: '.', seed: 1 }));
    expect(requests.map((r) => r.concurrency)).toEqual([1, 2, 3].map(() => ({ group: 'max_concurrent_agents', limit: 2 })));
    const unlimited = await collect(agentRequests({ kind: 'agents', start: '2026-01-01T00:00:00Z', horizon: '1h', registry: { agents: registry3.agents } }, { space, baseDir: '.', seed: 1 }));
    expect(unlimited.map((r) => r.concurrency)).toEqual([undefined, undefined, undefined]);
  });

  it('the same seed gives the same plan; another seed other crashes', async () => {
    const fleet = parseFleet(registry);
    const o = { start: 0, horizonMs: 6 * 3_600_000 };
    const a = (await planFleet(fleet, { ...o, seed: 1 })).map((r) => `${r.id}:${r.start}:${r.end}`);
    expect((await planFleet(fleet, { ...o, seed: 1 })).map((r) => `${r.id}:${r.start}:${r.end}`)).toEqual(a);
    expect((await planFleet(fleet, { ...o, seed: 2 })).map((r) => `${r.id}:${r.start}:${r.end}`)).not.toEqual(a);
  });

  it('bad specs are ConfigErrors naming the trace field', async () => {
    const run = (spec: object) => collect(agentRequests({ kind: 'agents', start: '2026-01-01T00:00:00Z', registry, ...spec }, { space, baseDir: '.', seed: 1, file: 's.yaml' }));
    await expect(run({})).rejects.toThrow(/field 'trace\.horizon'/);
    await expect(run({ horizon: '1h', triggers: [{ agent: 'ghost', at: 0 }] })).rejects.toThrow(/field 'trace\.triggers\[0\]\.agent'.*unknown agent 'ghost'/);
    await expect(run({ horizon: '1h', start: 'yesterday' })).rejects.toThrow(ConfigError);
    await expect(run({ horizon: '1h', registry: { agents: [{ id: 'x', cpu: 1, schedule: { cron: 'nope' } }] } })).rejects.toThrow(/trace\.registry\.agents\[0\]\.schedule\.cron/);
  });
});

/*
 * A run the fleet triggered that was still waiting for a dependency when the period ended (a
 * persistent dependency that crashed and is not restarted, or one still running) never became a
 * request: `drs run` showed fewer runs than the fleet triggered, with no word of the others.
 */
describe('agents workload: triggered runs that never became requests', () => {
  const registry = {
    config: { reschedule_on_crash: false },
    agents: [
      { id: 'mon', cpu: 1, lifecycle: 'persistent', crashRate: 60 },
      { id: 'rep', cpu: 1, duration: '1m', dependsOn: ['mon'], schedule: { cron: '*/10 * * * *' } },
    ],
  };

  const trace = { kind: 'agents', start: '2026-01-01T00:00:00Z', horizon: '1h', registry };

  it('are counted in the trace stats (what drs run and drs sweep print as a note)', async () => {
    const stream = agentTrace(trace, { space, baseDir: '.', seed: 1 });
    const reqs = await collect(stream);
    // mon#1 crashes within its first minutes and stays down; rep#1 (00:00) ran beside it, rep#2-#6 (00:10-00:50) wait for ever.
    expect(reqs.map((r) => r.id)).toEqual(['mon#1', 'rep#1']);
    expect(stream.stats).toEqual({ records: 7, emitted: 2, skipped: { [NEVER_BECAME_REQUESTS]: 5 }, adjusted: {} });
    expect(traceStatsNotes(stream.stats)).toEqual([`the trace's 7 record(s) gave 2 request(s); skipped by its rules: triggered runs that never became requests (waiting for a dependency when the period ended) 5`]);
    const o = { start: Date.parse('2026-01-01T00:00:00Z'), horizonMs: 3_600_000, seed: 1 };
    const blocked: string[] = [];
    await planFleet(parseFleet(registry), { ...o, onNeverStarted: (runs) => blocked.push(...runs.map((r) => `${r.id}@${(r.triggeredAt - o.start) / 60_000}m`)) });
    expect(blocked).toEqual(['rep#2@10m', 'rep#3@20m', 'rep#4@30m', 'rep#5@40m', 'rep#6@50m']);
    // Only those triggered before the run ends: a scenario horizon of 25 min cuts a 1 h trace.horizon.
    let counted = -1;
    await collect(agentRequests(trace, { space, baseDir: '.', seed: 1, horizon: 1500, onNeverRequested: (n) => (counted = n) }));
    expect(counted).toBe(2);
  });

  it('drs run says how many, beside its table', async () => {
    const file = tmpFile('never.yaml', agentsScenario(['  start: 2026-01-01T00:00:00Z', '  registry:', '    config: { reschedule_on_crash: false }', '    agents:', '      - { id: mon, cpu: 1, lifecycle: persistent, crashRate: 60 }', "      - { id: rep, cpu: 1, duration: 1m, dependsOn: [mon], schedule: { cron: '*/10 * * * *' } }", ''].join('\n')));
    const r = await drs(['run', file, '--quiet', '--seed', '1']);
    expect(r.code).toBe(0);
    expect(r.err).toContain("note: the trace's 7 record(s) gave 2 request(s); skipped by its rules: triggered runs that never became requests (waiting for a dependency when the period ended) 5");
    // Not the phrase of the warning for requests that never started (report/table.ts): these runs are no request at all.
    expect(r.err).not.toMatch(/skipped by its rules: never started/);
  });

  it('drs validate counts the whole plan, runs and requests alike, and says so (was: 100 requests read against the 11 runs of the whole plan that never became requests, "111 records gave 100")', async () => {
    // 2 h: tick runs every minute (120 requests), mon#1 and rep#1 run, rep#2-#12 (00:10-01:50) wait for ever: 122 requests of 133 runs triggered.
    const lines = ['  start: 2026-01-01T00:00:00Z', '  registry:', '    config: { reschedule_on_crash: false }', '    agents:', '      - { id: mon, cpu: 1, lifecycle: persistent, crashRate: 60 }'];
    lines.push("      - { id: rep, cpu: 1, duration: 1m, dependsOn: [mon], schedule: { cron: '*/10 * * * *' } }", "      - { id: tick, cpu: 1, duration: 10s, schedule: { cron: '* * * * *' } }", '');
    const file = tmpFile('never-validate.yaml', agentsScenario(lines.join('\n'), '2h'));
    const r = await drs(['validate', file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('trace agents: all 122 requests read (an agents trace is planned whole before its first request))');
    expect(r.out).toContain("note: the trace's 133 record(s) gave 122 request(s); skipped by its rules: triggered runs that never became requests (waiting for a dependency when the period ended) 11");
    // --full reads the same set.
    const full = await drs(['validate', file, '--full']);
    expect(full.out).toBe(r.out);
  });

  it('leave no note when every triggered run started', async () => {
    const stream = agentTrace({ ...trace, registry: { agents: [{ id: 'rep', cpu: 1, duration: '1m', schedule: { cron: '*/10 * * * *' } }] } }, { space, baseDir: '.', seed: 1 });
    expect(await collect(stream)).toHaveLength(6);
    expect(stream.stats).toEqual({ records: 6, emitted: 6, skipped: {}, adjusted: {} });
    expect(traceStatsNotes(stream.stats)).toEqual([]);
  });
});
