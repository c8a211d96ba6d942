import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { loadTracePools, openTrace, parseTraceSpec, resolveTracePath, TRACE_KIND_NAMES, TRACE_KINDS } from '../../src/traces/registry.js';
import { traceSpecSchema } from '../../src/traces/schemas.js';
import { collect, DATA_ROOT, fixture, haveData } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const scenario = '/scenarios/test.yaml';

describe('trace registry: specs', () => {
  it('knows every kind', () => {
    expect(TRACE_KIND_NAMES).toEqual(['swf', 'csv', 'azure-llm', 'alibaba-gpu', 'synthetic', 'demand-series', 'llm']);
    for (const k of TRACE_KIND_NAMES) expect(TRACE_KINDS[k].summary.length).toBeGreaterThan(10);
  });

  it('errors name the scenario file and the field path under trace', () => {
    const err = (spec: unknown) => {
      try {
        parseTraceSpec(spec, scenario);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(err({ kind: 'parquet', file: 'x' })).toContain('unknown trace kind');
    expect(err({ kind: 'parquet', file: 'x' })).toContain('swf, csv, azure-llm, alibaba-gpu, synthetic');
    // An unknown key is named itself (its line is the key's, not the trace's first), with the nearest known key, or (none near) the kind's keys.
    expect(err({ kind: 'azure-llm', file: 'x', colour: 'red' })).toBe(
      `${scenario}, field 'trace.colour': unknown key 'colour' (expected one of estimateGeneratedTokens, file, idPrefix, kind, limit, model, preemptibleShare, priorities, seed, tenants, unsorted)`,
    );
    expect(err({ kind: 'azure-llm', file: 'x', limt: 5 })).toBe(`${scenario}, field 'trace.limt': unknown key 'limt' (did you mean 'limit'?)`);
    // A required key spelled wrong is reported as the typo, not as the field missing.
    expect(err({ kind: 'azure-llm', fiel: 'x' })).toBe(`${scenario}, field 'trace.fiel': unknown key 'fiel' (did you mean 'file'?)`);
    expect(err({ kind: 'azure-llm' })).toBe(`${scenario}, field 'trace.file': missing required field (expected a string)`);
    expect(err({ kind: 'alibaba-gpu', file: 'x', minDuration: '5 parsecs' })).toContain("field 'trace.minDuration'");
    expect(err({ kind: 'synthetic', profiles: [{ name: 'p' }] })).toContain("field 'trace.arrival.rate'");
    expect(err({ kind: 'synthetic', preset: 'azure-llm-calibrated', arrival: { amplitude: 2 } })).toContain("field 'trace.arrival.amplitude'");
    expect(err({ kind: 'csv', file: 'x', columns: { arrival: 't', demand: {} } })).toContain("field 'trace.columns.duration'");
    expect(err({ kind: 'synthetic', preset: 'azure-llm-calibrated', profiles: [{ name: 'p', duration: { dist: 'weibull' } }] })).toContain('trace.profiles[0].duration');
  });

  it('accepts units and shorthands, and its output parses again to itself', () => {
    const spec = {
      kind: 'synthetic',
      preset: 'azure-llm-calibrated',
      horizon: '2h',
      arrival: { amplitude: 0.5, period: '1d' },
      tenants: ['a', { name: 'b', weight: 2 }],
      priorities: [{ priority: 'high', sloWait: '500ms' }],
      profiles: [{ name: 'agent', demand: { cpu: '500m', memory: '2Gi' }, duration: { dist: 'exponential', mean: '2m' } }, { name: 'llm', llm: 'azure-conv' }],
    };
    const out = traceSpecSchema.parse(spec);
    expect(out).toMatchObject({
      horizon: 7200,
      arrival: { amplitude: 0.5, period: 86400 },
      tenants: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 2 },
      ],
      priorities: [{ priority: 'high', weight: 1, sloWait: 0.5 }],
      profiles: [{ name: 'agent', weight: 1, demand: { cpu: 0.5, memory: 2 }, duration: { dist: 'exponential', mean: 120 } }, { name: 'llm', weight: 1, llm: 'azure-conv' }],
    });
    expect(traceSpecSchema.parse(out)).toEqual(out);
  });
});

describe('trace registry: opening', () => {
  const csv = fixture('reg.csv', 't,d,c\n0,10,1\n4,20,2\n');
  const dir = path.dirname(csv);

  it('resolves paths: absolute as is, ./ and ../ from the scenario folder, the rest from the data root', () => {
    expect(resolveTracePath('/a/b.csv', '/data', '/sc')).toBe('/a/b.csv');
    expect(resolveTracePath('./b.csv', '/data', '/sc')).toBe('/sc/b.csv');
    expect(resolveTracePath('../b.csv', '/data', '/sc/x')).toBe('/sc/b.csv');
    expect(resolveTracePath('swf/x.swf.gz', '/data', '/sc')).toBe('/data/swf/x.swf.gz');
  });

  it('opens a csv from the data root or the scenario folder; streams replay identically', async () => {
    const spec = { kind: 'csv', file: 'reg.csv', columns: { arrival: 't', duration: 'd', demand: { cpu: 'c' } } };
    const s1 = openTrace(spec, { space, dataRoot: dir });
    const a = await collect(s1);
    expect(a.map((r) => [r.arrival, r.duration, r.demand[0]])).toEqual([
      [0, 10, 1],
      [4, 20, 2],
    ]);
    expect(await collect(s1)).toEqual(a);
    expect(s1.stats.emitted).toBe(2);
    const s2 = openTrace({ ...spec, file: './reg.csv' }, { space, dataRoot: '/nowhere', baseDir: dir });
    expect(await collect(s2)).toEqual(a);
  });

  it('a missing file names the path, where it looked, and the data root', () => {
    let e: unknown;
    try {
      openTrace({ kind: 'azure-llm', file: 'llm-inference/missing.csv' }, { space, dataRoot: '/data/root', file: scenario });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UserError);
    const m = (e as Error).message;
    expect(m).toContain(scenario);
    expect(m).toContain("field 'trace.file'");
    expect(m).toContain("'llm-inference/missing.csv'");
    expect(m).toContain('/data/root/llm-inference/missing.csv');
    expect(m).toContain('data root: /data/root');
    expect(m).toContain('DRS_DATA_DIR');
  });

  it('reader option errors that depend on the scenario are reported under trace', () => {
    const az = fixture('reg-az.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,10,1\n');
    expect(() => openTrace({ kind: 'azure-llm', file: az, model: { demand: { tpu: 1 } } }, { space, dataRoot: dir, file: scenario })).toThrow(
      `${scenario}, field 'trace.model.demand.tpu': unknown resource dimension 'tpu' (the scenario has: cpu, memory, gpu)`,
    );
  });

  it('option errors found while reading are reported under trace too (a demand series whose start is past its end)', async () => {
    const csv = fixture('reg-series.csv', 'timestamp,value\n2014-07-07 00:00:00,5\n2014-07-07 00:01:00,6\n');
    const spec = { kind: 'demand-series', file: csv, scale: 1, start: 10, profiles: [{ name: 'j', demand: { cpu: 1 }, duration: { dist: 'fixed', value: 10 } }] };
    await expect(collect(openTrace(spec, { space, dataRoot: dir, file: scenario }))).rejects.toThrow(`${scenario}, field 'trace.start': start index 10 is past the end of ${csv}`);
    // A trace file's own format error keeps naming the trace file and its line.
    const bad = fixture('reg-series-bad.csv', 'timestamp,value\n2014-07-07 00:00:00,x\n');
    await expect(collect(openTrace({ ...spec, file: bad, start: 0 }, { space, dataRoot: dir, file: scenario }))).rejects.toThrow(`${bad}:2`);
  });

  it('synthetic: the run seed applies unless the spec has its own', async () => {
    const spec = { kind: 'synthetic', preset: 'azure-llm-calibrated', count: 50 };
    const a = await collect(openTrace(spec, { space, dataRoot: dir, seed: 'a' }));
    const a2 = await collect(openTrace(spec, { space, dataRoot: dir, seed: 'a' }));
    const b = await collect(openTrace(spec, { space, dataRoot: dir, seed: 'b' }));
    const own = await collect(openTrace({ ...spec, seed: 'a' }, { space, dataRoot: dir, seed: 'b' }));
    expect(a).toHaveLength(50);
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
    expect(own).toEqual(a);
  });

  it('swf: opens through swf-requests.ts with its options, and counts the records it skips or reads as 0', async () => {
    // 18 fields per job; job 2 ran 0 s (cancelled) and is skipped under the default jobs: 'valid'.
    const swf = fixture(
      'reg.swf',
      ['; MaxProcs: 8', '1 100 5 60 4 -1 -1 4 120 -1 1 7 1 -1 2 -1 -1 -1', '2 110 -1 0 2 -1 -1 2 60 -1 5 8 1 -1 1 -1 -1 -1', '3 130 0 30 2 -1 -1 2 -1 -1 1 7 1 -1 1 -1 -1 -1'].join('\n'),
    );
    const s = openTrace({ kind: 'swf', file: swf, options: { queuePriorities: { '2': 'high' } } }, { space, dataRoot: dir });
    const reqs = await collect(s);
    expect(reqs.map((r) => [r.id, r.arrival, r.duration, r.demand[0], r.priority, r.tenant])).toEqual([
      ['1', 0, 60, 4, 'high', '7'],
      ['3', 30, 30, 2, 'medium', '7'],
    ]);
    expect(s.stats.emitted).toBe(2);
    expect(s.stats.records).toBe(3);
    expect(Object.values(s.stats.skipped)).toEqual([1]);
    // jobs: all replays job 2 too; its unknown wait is not used, its 0 s run time is data: nothing adjusted.
    const all = openTrace({ kind: 'swf', file: swf, options: { jobs: 'all' } }, { space, dataRoot: dir });
    expect((await collect(all)).length).toBe(3);
    expect(all.stats).toEqual({ records: 3, emitted: 3, skipped: {}, adjusted: {} });
    // An unknown (−1) run time read as 0 s is counted, as drs run then says.
    const unknown = fixture('reg-unknown.swf', '1 100 5 -1 4 -1 -1 4 120 -1 0 7 1 -1 2 -1 -1 -1\n');
    const u = openTrace({ kind: 'swf', file: unknown, options: { jobs: 'all' } }, { space, dataRoot: dir });
    expect((await collect(u)).map((r) => r.duration)).toEqual([0]);
    expect(u.stats).toEqual({ records: 1, emitted: 1, skipped: {}, adjusted: { 'unknown run time read as 0 s': 1 } });
    expect(() => parseTraceSpec({ kind: 'swf', file: swf, options: { jobs: 'some' } }, scenario)).toThrow("field 'trace.options.jobs'");
  });
});

describe.skipIf(!haveData('llm-inference/AzureLLMInferenceTrace_conv.csv'))('trace registry on the real data', () => {
  it('opens the Azure trace, an Alibaba pod list and node pools by data-root-relative paths', async () => {
    const ctx = { space, dataRoot: DATA_ROOT, seed: 1 };
    const az = await collect(openTrace({ kind: 'azure-llm', file: 'llm-inference/AzureLLMInferenceTrace_conv.csv', limit: 10 }, ctx));
    expect(az).toHaveLength(10);
    expect(az[0]?.arrival).toBe(0);
    const pools = await loadTracePools({ kind: 'alibaba-nodes', file: 'gpu-cluster/openb_node_list_gpu_node.csv.gz', boot: '2m' }, ctx);
    expect(pools).toHaveLength(15);
    expect(pools[0]?.bootSeconds).toBe(120);
    const pods = openTrace({ kind: 'alibaba-gpu', file: 'gpu-cluster/openb_pod_list_gpuspec20.csv.gz' }, { ...ctx, pools });
    const reqs = await collect(pods);
    // GPU specs become device-model restrictions (any-of specs keep every model they list):
    // 1,444 pods of gpuspec20 name a model, 229 of them several.
    expect(pods.stats.adjusted['gpu-spec-any-of-dropped']).toBeUndefined();
    expect(reqs.filter((r) => r.gpuModels !== undefined)).toHaveLength(1444);
    expect(reqs.filter((r) => (r.gpuModels?.length ?? 0) > 1)).toHaveLength(229);
    const swf = openTrace({ kind: 'swf', file: 'swf/lublin_256.swf.gz' }, ctx);
    let n = 0;
    for await (const _ of swf) n++;
    expect(swf.stats.records).toBe(10_000);
    expect(n).toBe(swf.stats.emitted);
  });
});
