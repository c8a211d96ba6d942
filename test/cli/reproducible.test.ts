/**
 * Same inputs and seed give the same bytes: for the commands whose output carries wall-clock
 * seconds (pack, forecast) with --no-timings, and for every command whatever the host's time
 * zone, locale and working directory (run in child processes with their own environment).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { drs, DATA, ROOT } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-repro-'));
// 30 items, ten triplets that each fill a bin of 100 exactly: FFD and BFD need 11 bins, the GA finds the 10 of the bound.
const items = [49, 26, 25, 48, 27, 25, 47, 28, 25, 46, 29, 25, 45, 30, 25, 44, 31, 25, 43, 32, 25, 42, 33, 25, 41, 34, 25, 40, 35, 25];
writeFileSync(path.join(dir, 'items.txt'), `${items.length}\n100\n${items.join('\n')}\n`);
// Hourly series with offset-less timestamps (read as UTC, never in the host's zone) across the US daylight-saving change of 8 March 2026.
const hours = 24 * 14;
const series = Array.from({ length: hours }, (_, t) => `${new Date(Date.UTC(2026, 2, 1) + t * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')},${(100 + 30 * Math.sin((2 * Math.PI * t) / 24) + (t % 7)).toFixed(2)}`);
writeFileSync(path.join(dir, 'series.csv'), `timestamp,value\n${series.join('\n')}\n`);

describe('--no-timings: outputs without wall-clock seconds are the same bytes', () => {
  it('drs pack --json: the same bytes twice, the seed recorded, no seconds', async () => {
    const argv = ['pack', 'items.txt', '--json', '--no-timings', '--strategies', 'ffd,bfd,ga', '--seed', '3', '--time-limit', '20'];
    const a = await drs(argv, {}, dir);
    const b = await drs(argv, {}, dir);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    const json = JSON.parse(a.out) as { seed: number | null; results: Record<string, unknown>[] };
    expect(json.seed).toBe(3);
    // Converged (at the bound), not stopped by the time limit: a wall stop could differ between machines.
    expect(json.results.map((r) => [r.strategy, r.stoppedBy, 'seconds' in r])).toEqual([
      ['ffd', 'converged', false],
      ['bfd', 'converged', false],
      ['ga', 'converged', false],
    ]);
    // Without the flag the seconds are there (and differ from run to run).
    const timed = JSON.parse((await drs(argv.filter((x) => x !== '--no-timings'), {}, dir)).out) as { results: Record<string, unknown>[] };
    expect(timed.results.every((r) => typeof r.seconds === 'number')).toBe(true);
  });

  it('drs pack: the seed is null in --json and absent from the table when no strategy draws random numbers', async () => {
    const j = await drs(['pack', 'items.txt', '--json', '--strategies', 'ffd', '--seed', '3'], {}, dir);
    expect((JSON.parse(j.out) as { seed: unknown }).seed).toBeNull();
    const t = await drs(['pack', 'items.txt', '--strategies', 'ffd,ga', '--seed', '3', '--no-timings', '--time-limit', '20'], {}, dir);
    expect(t.out.split('\n')[0]).toMatch(/, seed 3$/);
    expect(t.out).not.toMatch(/seconds/);
  });

  it('drs pack --generations: a GA that cannot reach the bound stops after N generations, not on the clock', async () => {
    // Thirty items of 34 in bins of 100: two per bin, 15 bins, but the bound says 11, so the GA
    // never converges. Under --generations alone its stop is the generation budget ("work"), not
    // the 5-s default time limit ("wall", machine-dependent).
    writeFileSync(path.join(dir, 'thirds.txt'), `30\n100\n${Array.from({ length: 30 }, () => 34).join('\n')}\n`);
    const argv = ['pack', 'thirds.txt', '--json', '--no-timings', '--strategies', 'ga', '--seed', '5', '--generations', '20'];
    const a = await drs(argv, {}, dir);
    const b = await drs(argv, {}, dir);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    const json = JSON.parse(a.out) as { lowerBound: number; results: Record<string, unknown>[] };
    expect(json.lowerBound).toBe(11);
    expect(json.results).toEqual([{ strategy: 'ga', bins: 15, status: 'feasible', stoppedBy: 'work' }]);
    // The table names the budget that stopped it, as it names a time limit.
    const shown = await drs(argv.filter((x) => x !== '--json'), {}, dir);
    expect(shown.out).toMatch(/^ {2}ga +15 {2}feasible, generation limit$/m);
    const bad = await drs(['pack', 'thirds.txt', '--generations', '2.5'], {}, dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--generations must be a whole number of generations > 0, got '2.5'/);
  });

  it('drs pack --max-nodes: an ILP that cannot close within N nodes stops there, not on the clock, the same bytes twice', async () => {
    // Twenty bins of 1000 filled exactly by three items each (Falkenauer's triplet construction,
    // drawn here): the optimum is 20 = the bound, but FFD and a one-generation GA need 21 or more,
    // and no branch-and-bound node (--max-nodes 0) leaves the solver no room to find the 20.
    const rng = new Rng('triplets');
    const items: number[] = [];
    while (items.length < 60) {
      const a = 250 + rng.int(250);
      const b = 250 + rng.int(250);
      const c = 1000 - a - b;
      if (c >= 250 && c <= 499) items.push(a, b, c);
    }
    writeFileSync(path.join(dir, 'triplets.txt'), `60\n1000\n${rng.shuffle(items).join('\n')}\n`);
    const argv = ['pack', 'triplets.txt', '--json', '--no-timings', '--strategies', 'ffd,ilp', '--generations', '1', '--max-nodes', '0'];
    const a = await drs(argv, {}, dir);
    const b = await drs(argv, {}, dir);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    const json = JSON.parse(a.out) as { lowerBound: number; seed: number; results: Record<string, unknown>[] };
    expect(json.lowerBound).toBe(20);
    const [ffd, ilp] = json.results as [{ bins: number }, Record<string, unknown>];
    expect(ffd.bins).toBeGreaterThan(20);
    // The node budget is honoured: a packing without a proof, stopped by work (not "wall", not "converged").
    expect(ilp).toEqual({ strategy: 'ilp', bins: 21, status: 'feasible', stoppedBy: 'work' });
    expect(a.out).not.toContain('proof');
    const shown = await drs(argv.filter((x) => x !== '--json'), {}, dir);
    expect(shown.out).toMatch(/^ {2}ilp +21 {2}feasible, node limit$/m);
    expect(shown.out).toMatch(/^ {2}ffd +\d+ {2}feasible$/m); // a heuristic: no budget to name
    // One node is enough here: the budget, not the instance, stopped the run above.
    const one = await drs(['pack', 'triplets.txt', '--json', '--no-timings', '--strategies', 'ilp', '--generations', '1', '--max-nodes', '1'], {}, dir);
    expect((JSON.parse(one.out) as { results: unknown[] }).results).toEqual([{ strategy: 'ilp', bins: 20, status: 'optimal', stoppedBy: 'converged', proof: 'solver' }]);
    const bad = await drs(['pack', 'triplets.txt', '--max-nodes', '-1'], {}, dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-nodes must be a whole number of branch-and-bound nodes ≥ 0, got '-1'/);
  });

  it('drs forecast --json: the same bytes twice, no fitSeconds', async () => {
    const argv = ['forecast', 'series.csv', '--models', 'naive,holt-winters', '--season', '24', '--json', '--no-timings'];
    const a = await drs(argv, {}, dir);
    const b = await drs(argv, {}, dir);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    for (const r of (JSON.parse(a.out) as { results: Record<string, unknown>[] }).results) expect(Object.keys(r)).not.toContain('fitSeconds');
  });
});

describe('drs run --seed', () => {
  const scenario = (traceSeed: string): string => `name: tiny
seed: 5
pools: [{ name: a, capacity: { cpu: 4, memory: 16Gi }, nodes: 2, pricePerHour: 1 }]
trace:
  kind: synthetic
  count: 200
  arrival: { rate: 1 }
  profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: exponential, mean: 3 } }]
${traceSeed}
strategies: [first-fit]
`;
  const results = async (file: string, seed: string[]): Promise<{ err: string; seed: string; results: unknown }> => {
    const out = path.join(dir, `run-${path.basename(file)}-${seed.join('')}.json`);
    const r = await drs(['run', file, '--json', out, '--quiet', ...seed], {}, dir);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { seed: string; results: unknown };
    return { err: r.err, seed: json.seed, results: json.results };
  };

  it('changes the results, not only the seed it records', async () => {
    writeFileSync(path.join(dir, 'drawn.yaml'), scenario(''));
    const a = await results('drawn.yaml', []);
    const b = await results('drawn.yaml', ['--seed', '6']);
    expect([a.seed, b.seed]).toEqual(['5', '6']);
    expect(b.results).not.toEqual(a.results);
    expect(b.err).not.toMatch(/note:/);
  });

  it("says so when the trace's own seed keeps the workload as it was", async () => {
    writeFileSync(path.join(dir, 'pinned.yaml'), scenario('  seed: 9'));
    const a = await results('pinned.yaml', []);
    const b = await results('pinned.yaml', ['--seed', '6']);
    expect(a.err).not.toMatch(/note:/); // no --seed: the file says both seeds itself
    expect(b.results).toEqual(a.results); // first-fit draws nothing: only the trace could have changed
    expect(b.err).toMatch(/^note: --seed 6 does not change the workload: the scenario's trace has its own seed \(trace\.seed: 9\)/m);
  });
});

/** Runs several commands in one child process (one tsx start) under `env`, from `cwd`; returns each command's output file. */
function runAll(env: Record<string, string>, cwd: string, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const rel = (p: string): string => path.relative(cwd, p);
  const commands = [
    ['run', rel(path.join(ROOT, 'scenarios/kos-fleet.yaml')), '--json', path.join(out, 'run.json'), '--html', path.join(out, 'run.html'), '--quiet'],
    ['forecast', rel(path.join(dir, 'series.csv')), '--models', 'naive,seasonal-naive,holt-winters', '--season', '24', '--json', '--no-timings'],
    ['generate-swf', '--jobs', '300', '--seed', '5', '--out', '-'],
    ['pack', rel(path.join(dir, 'items.txt')), '--json', '--no-timings', '--strategies', 'ffd,ga', '--seed', '2', '--time-limit', '20'],
  ];
  const script = `
    import { writeFileSync } from 'node:fs';
    const { main } = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))});
    const commands = ${JSON.stringify(commands)};
    for (const [k, argv] of commands.entries()) {
      let out = '';
      const io = { out: (s) => void (out += s.endsWith('\\n') ? s : s + '\\n'), err: () => undefined, interactive: false, cwd: process.cwd(), env: process.env };
      const code = await main(argv, io);
      if (code !== 0) throw new Error(argv[0] + ' exited ' + code);
      writeFileSync(${JSON.stringify(out)} + '/' + k + '.out', out);
    }`;
  // tsx by absolute URL: the child's working directory is not always the project's.
  const tsx = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx')).href;
  const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { cwd, env: { ...process.env, DRS_DATA_DIR: DATA, ...env }, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return [...commands.map((_, k) => path.join(out, `${k}.out`)), path.join(out, 'run.json'), path.join(out, 'run.html')].map((f) => readFileSync(f, 'utf8'));
}

describe('the host does not change a byte', () => {
  it('time zone, locale and working directory: run (with HTML), forecast, generate-swf, pack', () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'drs-repro-cwd-'));
    const base = runAll({ TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }, ROOT, path.join(dir, 'utc'));
    const kolkata = runAll({ TZ: 'Asia/Kolkata', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' }, elsewhere, path.join(dir, 'kolkata'));
    const newYork = runAll({ TZ: 'America/New_York', LANG: 'en_US.UTF-8', LC_ALL: 'hi_IN.UTF-8' }, dir, path.join(dir, 'ny'));
    expect(base.every((s) => s.length > 0)).toBe(true);
    expect(kolkata).toEqual(base);
    expect(newYork).toEqual(base);
  }, 60_000);
});
