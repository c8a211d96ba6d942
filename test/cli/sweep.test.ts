import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from './helpers.js';

const FIXTURE = 'test/sweep/fixtures/tiny.yaml';

describe('drs sweep', () => {
  it('prints means with CIs and paired tests, writes JSON and HTML, and resumes from its results folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-cli-'));
    try {
      const json = path.join(dir, 'out.json');
      const html = path.join(dir, 'out.html');
      const first = await drs(['sweep', FIXTURE, '--workers', '2', '--results', path.join(dir, 'cells'), '--json', json, '--html', html]);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/^sweep tiny: scenario agent-fleet, 3 seeds, mean ±95% CI$/m);
      expect(first.out).toMatch(/^trace\.arrival\.rate=12\s+first-fit\s+3\s+/m);
      expect(first.out).toContain('paired by seed: mean difference, * = significant (paired t-test, p < 0.05)');
      expect(first.err).toContain('cells 12/12 (0 from results)');
      const res = JSON.parse(readFileSync(json, 'utf8')) as { groups: { runs: number }[]; comparisons: unknown[] };
      expect(res.groups.map((g) => g.runs)).toEqual([3, 3, 3, 3]);
      expect(readFileSync(html, 'utf8')).toContain('95% confidence interval');

      const again = await drs(['sweep', FIXTURE, '--workers', '2', '--results', path.join(dir, 'cells'), '--json', json]);
      expect(again.err).toContain('cells 12/12 (12 from results)');
      expect(again.out).toBe(first.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('says what reading the trace skipped or adjusted, as drs run does (it was silent)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-trace-notes-'));
    try {
      // job submit wait run alloc cpu mem reqP reqT ...: job 3 ran 0 s (cancelled), job 5's width is unknown.
      const job = (n: number, submit: number, run: number, procs: number): string => `${n} ${submit} -1 ${run} ${procs} -1 -1 ${procs} 100 -1 1 1 1 -1 1 -1 -1 -1`;
      writeFileSync(path.join(dir, 'log.swf'), `; MaxProcs: 4\n${[job(1, 0, 50, 2), job(2, 10, 40, 1), job(3, 20, 0, 2), job(4, 30, 20, 4), job(5, 40, 30, -1)].join('\n')}\n`);
      writeFileSync(path.join(dir, 'sc.yaml'), 'name: swf-notes\nseed: 1\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: swf, file: ./log.swf, options: { jobs: valid } }\nstrategies: [first-fit]\n');
      writeFileSync(path.join(dir, 'sweep.yaml'), 'name: notes\nscenario: ./sc.yaml\nseeds: 2\naxes:\n  trace.options.jobs: [valid, all]\n');
      const r = await drs(['sweep', path.join(dir, 'sweep.yaml'), '--workers', '0', '--quiet', '--results', path.join(dir, 'cells')]);
      expect(r.code, r.err).toBe(0);
      const notes = r.err.split('\n').filter((l) => l.startsWith('drs sweep: note: '));
      expect(notes).toEqual([
        `drs sweep: note: at trace.options.jobs="valid": the trace's 5 record(s) gave 3 request(s); skipped by its rules: run time not positive (cancelled, or unknown) 1, unknown number of processors 1`,
        `drs sweep: note: at trace.options.jobs="all": trace records adjusted by its rules: unknown number of processors read as 0 1`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a bad axis path and a strategy the scenario lacks', async () => {
    const bad = tmpFile('s.yaml', `scenario: ${path.resolve('scenarios/default.yaml')}\nseeds: 2\naxes:\n  pools[7].nodes: [1, 2]\n`);
    const r = await drs(['sweep', bad, '--workers', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("field 'axes.pools[7].nodes': the scenario has no item 'pools[7]' (it has 3)");
    const s = tmpFile('s.yaml', `scenario: ${path.resolve('scenarios/default.yaml')}\nstrategies: [first-fit, best-fitt]\n`);
    const r2 = await drs(['sweep', s, '--workers', '0']);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain("strategy 'best-fitt' is not in the scenario (it has: first-fit, best-fit-decreasing, worst-fit, round-robin, best-fit-decreasing+preempt, learned:agent-fleet) and not a strategy to add: unknown strategy 'best-fitt'");
  });

  it('adds a strategy the scenario does not list, written as its label would be (as drs run --strategies does)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-add-'));
    try {
      const s = path.join(dir, 's.yaml');
      // A model file named in the sweep is the sweep file's folder's, labelled by its file name.
      copyFileSync(path.resolve('models/allocator/agent-fleet.json'), path.join(dir, 'm.json'));
      writeFileSync(s, `scenario: ${path.resolve('scenarios/default.yaml')}\nstrategies: [worst-fit, worst-fit+preempt, first-fit/sjf, learned:m.json]\nseeds: 2\nset:\n  horizon: 2m\n  trace.horizon: 2m\n  failures: { events: [] }\n`);
      const json = path.join(dir, 'out.json');
      const r = await drs(['sweep', s, '--workers', '0', '--json', json, '--quiet', '--results', path.join(dir, 'results')]);
      expect(r.code, r.err).toBe(0);
      const out = JSON.parse(readFileSync(json, 'utf8')) as { strategies: string[]; groups: { strategy: string; runs: number }[] };
      expect(out.strategies).toEqual(['worst-fit', 'worst-fit+preempt', 'first-fit/sjf', 'learned:m']);
      expect(out.groups.map((g) => [g.strategy, g.runs])).toEqual([['worst-fit', 2], ['worst-fit+preempt', 2], ['first-fit/sjf', 2], ['learned:m', 2]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an axis that changes the strategies reports each point with its own strategies', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-strategy-axis-'));
    try {
      const sweep = tmpFile('s.yaml', `scenario: ${path.resolve('scenarios/default.yaml')}\nseeds: 2\nset:\n  horizon: 1m\n  trace.horizon: 1m\n  failures: { events: [] }\n  strategies: [first-fit, worst-fit]\naxes:\n  strategies[1]: [worst-fit, best-fit-decreasing]\n`);
      const json = path.join(dir, 'out.json');
      const r = await drs(['sweep', sweep, '--workers', '0', '--quiet', '--results', path.join(dir, 'cells'), '--json', json]);
      expect(r.code, r.err).toBe(0);
      const res = JSON.parse(readFileSync(json, 'utf8')) as { strategies: string[]; groups: { point: Record<string, string>; strategy: string; runs: number }[]; comparisons: { point: Record<string, string>; a: string; b: string }[] };
      expect(res.strategies).toEqual(['first-fit', 'worst-fit', 'best-fit-decreasing']);
      expect(res.groups.map((g) => [g.point['strategies[1]'], g.strategy, g.runs])).toEqual([
        ['worst-fit', 'first-fit', 2],
        ['worst-fit', 'worst-fit', 2],
        ['best-fit-decreasing', 'first-fit', 2],
        ['best-fit-decreasing', 'best-fit-decreasing', 2],
      ]);
      expect(res.comparisons.map((c) => [c.point['strategies[1]'], c.a, c.b])).toEqual([
        ['worst-fit', 'first-fit', 'worst-fit'],
        ['best-fit-decreasing', 'first-fit', 'best-fit-decreasing'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a scenario error in a value the sweep file sets names the sweep file's line and field", async () => {
    const scen = path.resolve('scenarios/default.yaml');
    const refused = async (body: string, message: string): Promise<void> => {
      const file = tmpFile('s.yaml', `scenario: ${scen}\nstrategies: [first-fit]\nseeds: 2\n${body}`);
      const r = await drs(['sweep', file, '--workers', '0']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toBe(`drs sweep: ${file}:${message}\n`);
    };
    await refused('set:\n  horizon: soon\n', `5, field 'set.horizon': expected a duration > 0 such as 30, "90s", "5m" or "1.5h", got "soon"`);
    await refused('set:\n  failures: { events: [] }\n  horizn: 1m\n', "6, field 'set.horizn': unknown key 'horizn' (did you mean 'horizon'?)");
    // A key of the sweep file itself, likewise.
    await refused('axis:\n  horizon: [1m]\n', "4, field 'axis': unknown key 'axis' (did you mean 'axes'?)");
    // A block set whole: the scenario field inside it is named too.
    await refused('set:\n  horizon: 1m\n  trace.horizon: 1m\n  failures: { events: [{ at: 2m, pool: h100, count: 1 }] }\n', "7, field 'set.failures': scenario field 'failures.events[0].at': the failure at 120 s comes at or after the horizon (60 s), so it never happens");
    // An axis: its line, and which of its values.
    await refused('set:\n  horizon: 1m\n  failures: { events: [] }\naxes:\n  trace.arrival.rate: [6, fast]\n', `8, field 'axes.trace.arrival.rate': value "fast": expected a number, got a string`);
  });

  it("a scenario error in a field the sweep does not set names the scenario file's line, and the sweep and point", async () => {
    // It named the sweep file with the scenario in brackets and no line, where drs run names the scenario's line.
    const text = readFileSync(path.resolve('scenarios/default.yaml'), 'utf8').replace('pricePerHour: 39.3', 'pricePerHour: -39.3');
    const scen = tmpFile('bad-price.yaml', text);
    const line = text.split('\n').findIndex((l) => l.includes('pricePerHour: -39.3')) + 1;
    const sweep = tmpFile('s.yaml', `scenario: ${scen}\nstrategies: [first-fit]\nseeds: 2\naxes:\n  trace.arrival.rate: [6, 8]\n`);
    const r = await drs(['sweep', sweep, '--workers', '0']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe(`drs sweep: ${scen}:${line}, field 'pools[0].pricePerHour': expected a value ≥ 0 (in sweep ${sweep} with trace.arrival.rate=6)\n`);
    const plain = tmpFile('s.yaml', `scenario: ${scen}\nstrategies: [first-fit]\nseeds: 2\n`);
    expect((await drs(['sweep', plain, '--workers', '0'])).err).toBe(`drs sweep: ${scen}:${line}, field 'pools[0].pricePerHour': expected a value ≥ 0 (in sweep ${plain})\n`);
    // A strategy the sweep adds is not the scenario file's (its list has 6) but the sweep file's:
    // its entry's line there. It named the sweep file with the scenario in brackets, and no line.
    const added = tmpFile('s.yaml', `scenario: ${scen.replace('bad-price', 'x')}\nstrategies:\n  - first-fit\n  - "learned:nope.json"\nseeds: 2\n`);
    writeFileSync(scen.replace('bad-price', 'x'), text.replace('pricePerHour: -39.3', 'pricePerHour: 39.3'));
    expect((await drs(['sweep', added, '--workers', '0'])).err).toBe(`drs sweep: ${added}:4, field 'strategies[1]': scenario field 'strategies[6].options.model': cannot read model file ${path.join(path.dirname(added), 'nope.json')}\n`);
  });

  it('refuses what would silently do nothing or repeat, and warns when every seed replays one workload', async () => {
    const scen = path.resolve('scenarios/default.yaml');
    const refused = async (body: string, message: string): Promise<void> => {
      const r = await drs(['sweep', tmpFile('s.yaml', `scenario: ${scen}\n${body}`), '--workers', '0']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(message);
    };
    await refused('strategies: [first-fit, first-fit]\n', "field 'strategies': strategy 'first-fit' is listed twice (it would be compared with itself)");
    await refused('axes:\n  pools[0].nodes: [2, 2]\n', "field 'axes.pools[0].nodes': the value 2 is given twice (one point, run twice)");
    await refused('axes:\n  seed: [1, 99]\n', "field 'axes.seed': the scenario's seed is each cell's seed, taken from 'seeds:'");
    await refused('set:\n  seed: 7\n', "field 'set.seed'");
    await refused('seeds: [1, 2.5]\n', "field 'seeds[1]': expected an integer or a string");
    await refused('axes:\n  pools[0]..nodes: [2, 3]\n', "'pools[0]..nodes' is not a field path");
    // A field of a list, not of one of its items: every point would run the same scenario.
    await refused('axes:\n  pools.nodes: [2, 3]\n', "s.yaml:3, field 'axes.pools.nodes': the scenario's 'pools' is a list (3 items): name an item, as in 'pools[0].nodes'");
    await refused('set:\n  strategies.options: {}\n', "s.yaml:3, field 'set.strategies.options': the scenario's 'strategies' is a list (6 items): name an item, as in 'strategies[0].options'");
    // A copy: were the check broken, the sweep would write over the scenario it names.
    const copy = tmpFile('own-scenario.yaml', readFileSync(scen, 'utf8'));
    const sweepFile = tmpFile('own.yaml', `scenario: ${copy}\n`);
    const own = await drs(['sweep', sweepFile, '--workers', '0', '--json', copy]);
    expect(own.code).toBe(2);
    expect(own.err).toContain(`--json ${copy}: is a file this command reads; writing it would destroy it`);
    const twice = await drs(['sweep', sweepFile, '--workers', '0', '--json', `${sweepFile}.out`, '--html', `${sweepFile}.out`]);
    expect(twice.err).toContain(`--html ${sweepFile}.out: --json writes the same file`);
    const file = tmpFile('f.txt', 'x');
    const res = await drs(['sweep', tmpFile('s.yaml', `scenario: ${scen}\n`), '--workers', '0', '--results', path.join(file, 'cells')]);
    expect(res.code).toBe(2);
    expect(res.err).toContain(`${file} is a file, not a folder: cannot hold the sweep's results`);
    const proc = await drs(['sweep', tmpFile('s.yaml', `scenario: ${scen}\n`), '--workers', '0', '--results', '/proc/drs-nope/cells']);
    expect(proc.err).toContain("cannot create the folder /proc/drs-nope for the sweep's results (ENOENT)"); // a recursive mkdir here never returned
    const q = await drs(['sweep', tmpFile('s.yaml', `scenario: ${scen}\n`), '--workers', '2', '--queue', 'redis://127.0.0.1:1']);
    expect(q.code).toBe(2);
    expect(q.err).toContain('--workers sets the local worker threads; with --queue the cells run on drs worker processes');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-seed-'));
    try {
      const sweep = tmpFile('s.yaml', `scenario: ${scen}\nstrategies: [first-fit]\nseeds: 2\nset:\n  horizon: 20s\n  trace.horizon: 20s\n  trace.seed: 7\n  failures: { events: [] }\n`);
      const r = await drs(['sweep', sweep, '--workers', '0', '--quiet', '--results', dir]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toContain("drs sweep: warning: the scenario's trace has its own seed (trace.seed: 7), so every seed replays the same workload");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
