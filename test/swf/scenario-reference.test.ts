import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { PRIORITIES } from '../../src/core/priority.js';
import { buildScenario } from '../../src/scenario/build.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { compareStrategies } from '../../src/sim/compare.js';
import type { RunMetrics } from '../../src/sim/metrics.js';
import { meanOverEpisodes } from '../../src/sim/reference/episodes.js';
import { REFERENCE_WINDOWS } from '../../src/sim/reference/protocol.js';
import { drs, ROOT } from '../cli/helpers.js';
import { SWF_DIR, swfDataPresent, type SWF_LOGS } from './data.js';

/**
 * `protocol: rlscheduler` scenarios under `drs run` (the CLI in-process, as a user runs it): each
 * window of an SWF log replays alone on an empty machine through `replayReferenceWindows` (the
 * code of `drs replay-swf`), and the table's bsld column is the mean over the windows.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'drs-swf-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface JsonResult {
  strategy: string;
  queue: string;
  metrics: RunMetrics;
  episodes: { start: number; length: number; boundedSlowdown: number; utilization: number }[];
}

async function runJson(scenario: string, ...extra: string[]): Promise<{ code: number; out: string; err: string; results: JsonResult[] }> {
  const json = path.join(dir, `${path.basename(scenario)}-${extra.join('')}.json`);
  const r = await drs(['run', scenario, '--json', json, '--quiet', ...extra]);
  const results = r.code === 0 ? (JSON.parse(readFileSync(json, 'utf8')) as { results: JsonResult[] }).results : [];
  return { ...r, results };
}

/** `drs run FILE` fails with exit 2, naming the file and the field, in plain words, without a stack. */
async function bad(file: string, field: string, message: RegExp, line?: number): Promise<void> {
  const r = await drs(['run', file, '--quiet']);
  expect(r.code).toBe(2);
  expect(r.err).toContain(`${file}`);
  expect(r.err).toContain(`field '${field}'`);
  if (line !== undefined) expect(r.err).toContain(`${file}:${line}, field '${field}'`);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack
}

// ---- a small log, every value checked by hand ------------------------------------------------

// job submit wait run alloc cpu mem reqP reqT reqMem status user group exe queue part prec think
const line = (n: number, submit: number, run: number, procs: number, req: number): string => `${n} ${submit} -1 ${run} ${procs} -1 -1 ${procs} ${req} -1 1 1 1 -1 1 -1 -1 -1`;
writeFileSync(path.join(dir, 'small.swf'), `; MaxProcs: 4\n${[line(1, 100, 100, 2, 100), line(2, 110, 50, 4, 60), line(3, 120, 30, 1, 40), line(4, 130, 10, 2, 10)].join('\n')}\n`);

const small = (over: { protocol?: string; pools?: string; strategies?: string; extra?: string } = {}): string => {
  const text = `name: small
dimensions: [cpu]
pools:
${over.pools ?? '  - { name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 3.6 }'}
trace: { kind: swf, file: ${path.join(dir, 'small.swf')} }
protocol: ${over.protocol ?? '{ kind: rlscheduler, windows: [0, 1], length: 3 }'}
strategies:
${over.strategies ?? `  - { name: first-fit, label: fcfs }
  - { name: first-fit, label: fcfs+easy, queue: { name: fcfs, options: { backfill: easy } } }`}
${over.extra ?? ''}`;
  const file = path.join(dir, `s${Math.abs(hash(text))}.yaml`);
  writeFileSync(file, text);
  return file;
};

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

describe('protocol: rlscheduler on a small log (hand-checked)', () => {
  /*
   * Machine of 4; jobs (submit, run, procs, requested): 1 (100, 100, 2, 100), 2 (110, 50, 4, 60),
   * 3 (120, 30, 1, 40), 4 (130, 10, 2, 10). Windows [0, 1] of 3 jobs: {1, 2, 3} and {2, 3, 4}.
   *
   * Window {1,2,3}, FCFS: 1 runs 100–200; 2 waits for the whole machine, 200–250; 3 waits behind
   * it, 250–280. Bounded slowdowns 1, (90 + 50)/50 = 2.8, (130 + 30)/30 = 16/3; mean 137/45.
   * With the protocol's EASY: 2's reservation is 1's requested end 200; 3 fits at 120 and
   * 120 + 40 < 200, so it backfills, 120–150: slowdowns 1, 2.8, 1; mean 1.6.
   * Window {2,3,4} (both): 2 runs 110–160; 3 waits (the machine is full; EASY: 3's reservation
   * 170, 4 needs 2 processors, none free), 160–190; 4 160–170. Slowdowns 1, 70/30, 40/10;
   * mean 22/9. Had the window not started on an empty machine (window {1,2,3} still running),
   * it would differ.
   * Utilization = processor-seconds ÷ (4 × (last end − first submit)): FCFS 430/(4·180) and
   * 250/(4·80); EASY 430/(4·150) and 250/(4·80). Cost at 3.6 per hour (0.001/s) over each
   * window's span: FCFS (180 + 80) · 0.001, EASY (150 + 80) · 0.001.
   */
  it('drs run prints and writes the mean over the windows; each window on an empty machine', async () => {
    const r = await runJson(small());
    expect(r.err).toMatch(/^results written to .*\.json\n$/);
    expect(r.code).toBe(0);
    expect(r.out).toContain('protocol rlscheduler: 2 windows of 3 jobs of small.swf, each replayed alone on an empty 4-processor machine');
    const [fcfs, easy] = r.results as [JsonResult, JsonResult];
    expect(fcfs.episodes.map((e) => [e.start, e.length])).toEqual([[0, 3], [1, 3]]);
    expect(fcfs.episodes.map((e) => e.boundedSlowdown)).toEqual([expect.closeTo(137 / 45, 12), expect.closeTo(22 / 9, 12)]);
    expect(easy.episodes.map((e) => e.boundedSlowdown)).toEqual([expect.closeTo(1.6, 12), expect.closeTo(22 / 9, 12)]);
    expect(fcfs.metrics.meanBoundedSlowdown).toBeCloseTo((137 / 45 + 22 / 9) / 2, 12);
    expect(easy.metrics.meanBoundedSlowdown).toBeCloseTo((1.6 + 22 / 9) / 2, 12);
    expect(r.out).toMatch(new RegExp(`^fcfs\\s+6\\s+0\\s+0\\s.*\\s${((137 / 45 + 22 / 9) / 2).toFixed(2)}\\s`, 'm'));
    expect(r.out).toMatch(new RegExp(`^fcfs\\+easy\\s+6\\s+0\\s+0\\s.*\\s${((1.6 + 22 / 9) / 2).toFixed(2)}\\s`, 'm'));
    expect(fcfs.metrics.utilization.cpu).toBeCloseTo((430 / 720 + 250 / 320) / 2, 12);
    expect(easy.metrics.utilization.cpu).toBeCloseTo((430 / 600 + 250 / 320) / 2, 12);
    expect(fcfs.metrics.cost.total).toBeCloseTo(0.26, 9);
    expect(easy.metrics.cost.total).toBeCloseTo(0.23, 9);
    expect(fcfs.metrics.requests).toMatchObject({ total: 6, completed: 6, unfinished: 0 });
    expect(fcfs.metrics.makespan).toBeCloseTo((180 + 80) / 2, 9);
    expect(fcfs.metrics.wait.mean).toBeCloseTo((0 + 90 + 130) / 3 / 2 + (0 + 40 + 30) / 3 / 2, 9);
  });

  it('--strategies, --events (one label per window) and drs validate work on it', async () => {
    const events = path.join(dir, 'ev.csv');
    const r = await drs(['run', small(), '--strategies', 'fcfs+easy', '--events', events, '--quiet']);
    expect(r.code).toBe(0);
    const rows = readFileSync(events, 'utf8').trim().split('\n').slice(1);
    expect(new Set(rows.map((l) => l.split(',')[0]))).toEqual(new Set(['fcfs+easy [window 0]', 'fcfs+easy [window 1]']));
    expect(rows.filter((l) => l.startsWith('fcfs+easy [window 0]') && l.includes(',start,')).map((l) => Number(l.split(',')[1]))).toEqual([100, 120, 200]);
    const v = await drs(['validate', small()]);
    expect(v.code).toBe(0);
    // The protocol reads the whole log (its windows are cut from it), not the first 100 requests.
    expect(v.out).toMatch(/ok \(1 pool, 2 strategies: fcfs, fcfs\+easy; trace swf: the whole log read, as the protocol cuts its windows from it\)/);
    expect(v.out).not.toContain('note:');
  });

  it('drs run and drs validate say what reading the log changed (a record with run time 0 left out)', async () => {
    writeFileSync(path.join(dir, 'zero.swf'), `; MaxProcs: 4\n${[line(1, 100, 100, 2, 100), line(2, 105, 0, 1, 60), line(3, 110, 50, 4, 60), line(4, 120, 30, 1, 40), line(5, 130, 10, 2, 10)].join('\n')}\n`);
    const file = small().replace(/\.yaml$/, '-zero.yaml');
    writeFileSync(file, readFileSync(small(), 'utf8').replace('small.swf', 'zero.swf'));
    const note = 'note: 1 record(s) with run time 0 are left out, as the protocol does (4 jobs remain)';
    const r = await drs(['run', file, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(note);
    const v = await drs(['validate', file]);
    expect(v.out).toContain(`  ${note}`);
  });

  it('bad protocol fields are ConfigErrors naming the file, line and field', async () => {
    const cases: [string, string, RegExp][] = [
      [small({ protocol: '{ kind: rlsched }' }), 'protocol.kind', /expected one of "rlscheduler"/],
      [small({ protocol: '{ kind: rlscheduler, windows: [0, -1] }' }), 'protocol.windows', /expected 'reference' or a list of 0-based job indexes/],
      [small({ protocol: '{ kind: rlscheduler, windows: first }' }), 'protocol.windows', /expected 'reference'/],
      [small({ protocol: '{ kind: rlscheduler, length: 0 }' }), 'protocol.length', /expected a value > 0/],
      [small({ protocol: '{ kind: rlscheduler, window: [0] }' }), 'protocol.window', /unknown key 'window'/],
      [small({ pools: '  - { name: m, capacity: { cpu: 4 }, nodes: 2, pricePerHour: 0 }' }), 'pools[0].nodes', /one node/],
      [small({ strategies: '  - { name: first-fit, queue: drf }' }), 'strategies[0].queue.name', /fcfs, sjf, f1, wfp3, unicep or learned-queue:MODEL, got 'drf'/],
      [small({ strategies: '  - { name: first-fit, queue: { name: sjf, options: { blocking: false } } }' }), 'strategies[0].queue.options.blocking', /remove blocking/],
      [small({ strategies: '  - { name: first-fit, preemption: true }' }), 'strategies[0].preemption', /does not apply under protocol rlscheduler/],
      [small({ strategies: '  - learned:agent-fleet' }), 'strategies[0].name', /one node, where every allocator places alike.*expected name: first-fit, got 'learned:agent-fleet'/],
      [small({ extra: 'horizon: 1h' }), 'horizon', /does not apply/],
      [small({ extra: 'queue: priority' }), 'queue.name', /got 'priority'/],
    ];
    for (const [file, field, message] of cases) {
      await bad(file, field, message);
      const e = (() => {
        try {
          return parseScenario(readFileSync(file, 'utf8'), file);
        } catch (x) {
          return x;
        }
      })();
      expect(e, field).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).location, field).toMatchObject({ file, field });
      expect((e as ConfigError).location.line, field).toBeGreaterThan(0);
    }
  });

  it('checks against the log are ConfigErrors naming the file, line and field', async () => {
    // Found once the log is read, after parsing: the CLI looks the field's line up in the file.
    await bad(small({ protocol: '{ kind: rlscheduler, windows: [0, 2], length: 3 }' }), 'protocol.windows', /window starting at job 2 needs jobs 2\.\.4, but the trace has only 4 usable jobs/, 6);
    await bad(small({ protocol: '{ kind: rlscheduler, windows: [0], length: 5 }' }), 'protocol.length', /window starting at job 0 needs jobs 0\.\.4, but the trace has only 4 usable jobs .*; a window of 5 jobs is longer than the trace/, 6);
    await bad(small({ pools: '  - { name: m, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 0 }' }), 'pools[0].capacity.cpu', /header gives a machine of 4 processors \(MaxProcs\).*expected cpu: 4, got 8/, 4);
    // MaxNodes alone counts nodes: a machine of more processors is accepted (the wide job then fits
    // unclamped), one of fewer is refused.
    writeFileSync(path.join(dir, 'nodes.swf'), `; MaxNodes: 2\n${[line(1, 100, 100, 2, 100), line(2, 110, 50, 4, 60), line(3, 120, 30, 1, 40)].join('\n')}\n`);
    const nodesScenario = (cpu: number): string => {
      const base = small({ pools: `  - { name: m, capacity: { cpu: ${cpu} }, nodes: 1, pricePerHour: 0 }` });
      const f2 = base.replace(/\.yaml$/, '-nodes.yaml');
      writeFileSync(f2, readFileSync(base, 'utf8').replace(path.join(dir, 'small.swf'), path.join(dir, 'nodes.swf')).replace('windows: [0, 1], length: 3', 'windows: [0], length: 3'));
      return f2;
    };
    // Window {1,2,3} of the log above. On 4 processors it is the hand-checked window: with EASY, 1.6.
    // On 2 (the header's count read as processors) job 2 is clamped to 2 and job 3 cannot backfill
    // beside job 1: 137/45, as without backfilling.
    const easyOf = async (cpu: number): Promise<number> => {
      const r = await runJson(nodesScenario(cpu));
      expect(r.code, r.err).toBe(0);
      return (r.results[1] as JsonResult).metrics.meanBoundedSlowdown as number;
    };
    expect(await easyOf(4)).toBeCloseTo(1.6, 12);
    expect(await easyOf(2)).toBeCloseTo(137 / 45, 12);
    await bad(nodesScenario(1), 'pools[0].capacity.cpu', /header gives a machine of 2 nodes \(MaxNodes, no MaxProcs\).*expected cpu of at least 2 \(2 nodes × processors per node\), got 1/, 4);
    const f = small().replace(/\.yaml$/, '-nofile.yaml');
    writeFileSync(f, readFileSync(small(), 'utf8').replace(path.join(dir, 'small.swf'), path.join(dir, 'missing.swf')));
    await bad(f, 'trace.file', /trace file '.*missing\.swf' not found/);
  });

  it('a horizon or quotas added by a caller (e.g. a training cut) are refused, not ignored', async () => {
    const file = small();
    const input = await buildScenario(await loadScenario(file), { file, dataRoot: dir });
    await expect(compareStrategies({ ...input, horizon: 100 })).rejects.toThrow(/horizon does not apply under protocol rlscheduler/);
    await expect(compareStrategies({ ...input, quotas: { tenants: {} } })).rejects.toThrow(/quotas does not apply/);
    expect((await compareStrategies(input)).results.map((r) => r.state)).toEqual(['completed', 'completed']);
  });

  it('meanOverEpisodes: counts and cost are totals, rates and times are means', () => {
    const m = (bsld: number, util: number, completed: number, cost: number, p95: number): RunMetrics =>
      ({
        requests: { total: completed, completed, expired: 0, rejected: 0, unfinished: 0, preemptions: 0, failureEvictions: 0 },
        rejectionsByCode: {},
        utilization: { cpu: util },
        wait: { mean: p95 / 2, p50: 0, p95, p99: p95 },
        meanBoundedSlowdown: bsld,
        makespan: 100,
        throughputPerHour: 36,
        sla: { overall: { withSlo: 0, met: 0, attainment: null }, byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, { withSlo: 2, met: 1, attainment: 0.5 }])) },
        fairness: { jain: 1, dominantShare: { swf: util } },
        cost: { nodeHours: cost, total: cost, perCompleted: cost / completed },
        gpuFragmentation: null,
        byPool: { m: { nodeHours: cost, cost, utilization: { cpu: util }, peakNodes: completed } },
      }) as unknown as RunMetrics;
    const c = meanOverEpisodes([m(2, 0.5, 10, 1, 30), m(4, 0.7, 30, 3, 50)]);
    expect(c.meanBoundedSlowdown).toBe(3);
    expect(c.utilization.cpu).toBeCloseTo(0.6, 12);
    expect(c.wait.p95).toBe(40);
    expect(c.requests.completed).toBe(40);
    expect(c.cost).toEqual({ nodeHours: 4, total: 4, perCompleted: 0.1 });
    expect(c.gpuFragmentation).toBeNull();
    expect(c.byPool.m).toMatchObject({ nodeHours: 4, cost: 4, peakNodes: 30 });
    expect(c.byPool.m?.utilization.cpu).toBeCloseTo(0.6, 12);
    expect(c.sla.byPriority.medium).toEqual({ withSlo: 4, met: 2, attainment: 0.5 });
    expect(c.sla.overall.attainment).toBeNull();
  });
});

// ---- the 18 published values, through the shipped scenarios ---------------------------------

/** ../shared/reference/batch-scheduling.md (the same table as test/swf/reference.test.ts). */
const PUBLISHED: Record<keyof typeof SWF_LOGS, { scenario: string; values: Record<string, number> }> = {
  'Lublin-1': { scenario: 'swf-reference-lublin.yaml', values: { fcfs: 7273.77, sjf: 277.35, f1: 258.37, 'fcfs+easy': 235.82, 'sjf+easy': 73.31, 'f1+easy': 75.07 } },
  'SDSC-SP2': { scenario: 'swf-reference-sdsc-sp2.yaml', values: { fcfs: 1727.54, sjf: 2680.55, f1: 1232.06, 'fcfs+easy': 1595.12, 'sjf+easy': 2167.84, 'f1+easy': 1098.22 } },
  HPC2N: { scenario: 'swf-reference-hpc2n.yaml', values: { fcfs: 297.18, sjf: 157.71, f1: 118.01, 'fcfs+easy': 127.38, 'sjf+easy': 122.04, 'f1+easy': 71.95 } },
};

const present = swfDataPresent('test/swf/scenario-reference');

describe.skipIf(!present)('scenarios/swf-reference-*.yaml under drs run reproduce the published table', () => {
  for (const [trace, { scenario, values }] of Object.entries(PUBLISHED)) {
    it(`${trace} (${scenario}): FCFS, SJF, F1 without and with EASY`, async () => {
      const r = await runJson(path.join(ROOT, 'scenarios', scenario));
      expect(r.code).toBe(0);
      expect(r.results.map((x) => x.strategy)).toEqual(Object.keys(values));
      for (const res of r.results) {
        const published = values[res.strategy] as number;
        const ours = res.metrics.meanBoundedSlowdown as number;
        expect(Math.abs(ours / published - 1), res.strategy).toBeLessThan(1e-4);
        expect(ours.toFixed(2), res.strategy).toBe(published.toFixed(2));
        // The printed table shows it in the bsld column.
        expect(r.out, res.strategy).toMatch(new RegExp(`^${res.strategy.replace('+', '\\+')}\\s+10240\\s+0\\s+0\\s.*\\s${published.toFixed(2)}\\s`, 'm'));
        // Each window is the protocol's: the reference windows, each on an empty machine; the
        // generic metric (computeMetrics) and the protocol's score agree.
        expect(res.episodes.map((e) => e.start)).toEqual(REFERENCE_WINDOWS);
        expect(ours).toBeCloseTo(res.episodes.reduce((a, e) => a + e.boundedSlowdown, 0) / res.episodes.length, 9);
        expect(res.metrics.utilization.cpu).toBeCloseTo(res.episodes.reduce((a, e) => a + e.utilization, 0) / res.episodes.length, 9);
      }
    });
  }
});

describe.skipIf(!present)('a learned queue model under protocol rlscheduler', () => {
  it('drs run gives, window by window, what drs replay-swf --policy learned-queue:hpc2n gives', async () => {
    const text = readFileSync(path.join(ROOT, 'scenarios/swf-reference-hpc2n.yaml'), 'utf8')
      .replace('windows: reference ', 'windows: [1981, 2756] ')
      .replace(/^strategies:[\s\S]*$/m, `strategies:
  - { name: first-fit, label: learned, queue: learned-queue:hpc2n }
  - { name: first-fit, label: learned+easy, queue: { name: learned-queue:hpc2n, options: { backfill: easy } } }
`);
    const file = path.join(dir, 'learned-hpc2n.yaml');
    writeFileSync(file, text.replace('file: swf/', `file: ${SWF_DIR}/`));
    const r = await runJson(file);
    expect(r.code).toBe(0);
    expect(r.results.map((x) => x.strategy)).toEqual(['learned', 'learned+easy']);
    for (const [res, backfill] of [[r.results[0], 'none'], [r.results[1], 'easy']] as const) {
      const swf = await drs(['replay-swf', path.join(SWF_DIR, 'HPC2N-2002-2.2-cln.swf.gz'), '--policy', 'learned-queue:hpc2n', '--backfill', backfill, '--windows', '1981,2756', '--json']);
      expect(swf.code).toBe(0);
      const expected = JSON.parse(swf.out) as { windows: { start: number; boundedSlowdown: number }[]; meanBoundedSlowdown: number };
      expect(res?.queue).toContain('learned');
      expect(res?.episodes.map((e) => [e.start, e.boundedSlowdown])).toEqual(expected.windows.map((w) => [w.start, w.boundedSlowdown]));
      expect(res?.metrics.meanBoundedSlowdown).toBeCloseTo(expected.meanBoundedSlowdown, 9);
    }
  });

  it('a learned queue takes backfill only: headOfLine reorder and an unknown model are errors naming the field', async () => {
    await bad(small({ strategies: '  - { name: first-fit, queue: { name: learned-queue:hpc2n, options: { headOfLine: reorder } } }' }), 'strategies[0].queue.options.headOfLine', /unknown key 'headOfLine'/);
    const r = await drs(['run', small({ strategies: '  - { name: first-fit, queue: learned-queue:no-such-model }' })]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-such-model/);
  });
});
