import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinNegativeValues, seedFlag } from '../../src/cli/args.js';
import { haveData } from '../support/data.js';
import { drs, ROOT, tmpFile } from './helpers.js';

const tiny = (over: string) => `
name: tiny
seed: 5
pools:
  - name: a
    capacity: { cpu: 4, memory: 16Gi }
    nodes: 2
    pricePerHour: 1
trace:
  kind: synthetic
  count: 300
  arrival: { rate: 1 }
  profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi } }]
strategies: [first-fit, best-fit-decreasing]
${over}`;

describe('drs run', () => {
  it('prints a comparison of every strategy and exits 0', async () => {
    const r = await drs(['run', tmpFile('s.yaml', tiny(''))]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^strategy\s+done\s+rejected/m);
    expect(r.out).toMatch(/^first-fit\s+300\s+0/m);
    expect(r.out).toMatch(/^best-fit-decreasing\s+300\s+0/m);
  });

  it('writes byte-identical JSON for the same scenario and seed', async () => {
    const scen = tmpFile('s.yaml', tiny(''));
    const a = tmpFile('a.json', '');
    const b = tmpFile('b.json', '');
    expect((await drs(['run', scen, '--json', a, '--quiet'])).code).toBe(0);
    expect((await drs(['run', scen, '--json', b, '--quiet'])).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    const other = tmpFile('c.json', '');
    await drs(['run', scen, '--json', other, '--seed', '6', '--quiet']);
    expect(readFileSync(other, 'utf8')).not.toBe(readFileSync(a, 'utf8'));
    const parsed = JSON.parse(readFileSync(a, 'utf8')) as { seed: string; results: { state: string; metrics: { requests: { total: number } } }[] };
    expect(parsed.seed).toBe('5');
    expect(parsed.results.map((x) => [x.state, x.metrics.requests.total])).toEqual([['completed', 300], ['completed', 300]]);
  });

  it('reads --seed as the scenario file reads seed: the same seed gives byte-identical JSON either way, its seed the same string', async () => {
    const json = async (seedLine: string, flag: string[]): Promise<string> => {
      const out = tmpFile('seed.json', '');
      const r = await drs(['run', tmpFile('s.yaml', tiny('').replace('seed: 5', seedLine)), '--json', out, '--quiet', ...flag]);
      expect(r.code, `${seedLine} ${flag.join(' ')}`).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const file = await json('seed: 1e3', []); // YAML reads 1e3 as the integer 1000
    expect((JSON.parse(file) as { seed: unknown }).seed).toBe('1000');
    for (const flag of ['1e3', '1000', '01000', '1000.0']) expect(await json('seed: 5', ['--seed', flag]), flag).toBe(file);
    expect(await json('seed: "1000"', [])).toBe(file);
    // A word is the word, from the file or the flag (7.5, which the file has to quote, too).
    expect(await json('seed: "7.5"', [])).toBe(await json('seed: 5', ['--seed', '7.5']));
    expect(seedFlag('07')).toBe(7);
    expect(seedFlag('0x1F')).toBe(31);
    expect(seedFlag('abc')).toBe('abc');
    expect(seedFlag('[1')).toBe('[1');
  });

  it('takes a negative number after a flag as its value (--seed -3), not as another option', async () => {
    const out = tmpFile('n.json', '');
    const r = await drs(['run', tmpFile('s.yaml', tiny('')), '--seed', '-3', '--json', out, '--quiet']);
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { seed: string }).seed).toBe('-3');
    expect(joinNegativeValues(['x', '--seed', '-3', '-h', '--strategies', '-x', '--start', '-.5'], { seed: { type: 'string' }, help: { type: 'boolean', short: 'h' }, strategies: { type: 'string' }, start: { type: 'string' } })).toEqual(['x', '--seed=-3', '-h', '--strategies', '-x', '--start=-.5']);
  });

  // A scenario's durations are now at most 1e10 s (test/cli/duration-bounds.test.ts refuses 1e22
  // at its field); the run at the bound must still finish.
  it('finishes a run whose requests last 1e10 s, the longest a scenario accepts (the time bins of its charts looped for ever at 1e22 s)', () => {
    const scen = tiny('').replace("profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi } }]", "profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 1e10 } }]").replace('count: 300', 'count: 3');
    const out = tmpFile('h.json', '');
    // In a child process with a time limit: a loop that never ends cannot be stopped in-process.
    const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))}); process.exitCode = await m.main(${JSON.stringify(['run', tmpFile('s.yaml', scen), '--json', out, '--quiet'])});`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(out, 'utf8')) as { results: { metrics: { requests: { completed: number } } }[] };
    expect(res.results[0]?.metrics.requests.completed).toBe(3);
  }, 40_000);

  it('says what reading the trace skipped or adjusted by its rules (on stderr, after the table)', async () => {
    const rows = ['timestamp,value', ...Array.from({ length: 6 }, (_, i) => `${i * 300},${i === 3 ? '' : 2}`)].filter((l) => !l.endsWith(',')).join('\n');
    const series = tmpFile('d.csv', `${rows}\n`);
    const scen = tiny('').replace(/trace:[\s\S]*?strategies:/, `trace:\n  kind: demand-series\n  file: ${series}\n  scale: 1\n  start: 1\n  profiles: [{ name: p, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 10 } }]\nstrategies:`);
    const out = tmpFile('notes.json', '');
    const file = tmpFile('s.yaml', scen);
    const r = await drs(['run', file, '--strategies', 'first-fit', '--json', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/note: the trace's 6 record\(s\) gave \d+ request\(s\); skipped by its rules: before-window 1/);
    expect(r.err).toContain('note: trace records adjusted by its rules: gap-interpolated 1');
    // drs validate says it too, for the part it read (it was silent).
    const v = await drs(['validate', file, '--full']);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/\n {2}note: the trace's 6 record\(s\) gave \d+ request\(s\); skipped by its rules: before-window 1\n {2}note: trace records adjusted by its rules: gap-interpolated 1\n?$/);
    // --json keeps the same counts.
    const res = JSON.parse(readFileSync(out, 'utf8')) as { trace?: { records: number; skipped: Record<string, number>; adjusted: Record<string, number> } };
    expect(res.trace).toMatchObject({ records: 6, skipped: { 'before-window': 1 }, adjusted: { 'gap-interpolated': 1 } });
  });

  it("a demand series too large to hold is refused at once, unless the scenario's horizon ends before it grows so", async () => {
    // Ten small samples (validate reads 100 requests from them), then 15 of 9e6 (under the
    // per-sample cap): about 1.08e8 requests by line 23.
    const rows = ['timestamp,value', ...Array.from({ length: 25 }, (_, i) => `${i * 300},${i < 10 ? 30 : 9e6}`)].join('\n');
    const series = tmpFile('big.csv', `${rows}\n`);
    const scen = (horizon: string) => tiny('').replace(/trace:[\s\S]*?strategies:/, `${horizon}trace:\n  kind: demand-series\n  file: ${series}\n  scale: 1\n  profiles: [{ name: p, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 10 } }]\nstrategies:`);
    const refused = await drs(['validate', tmpFile('s.yaml', scen(''))]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`field 'trace.scale': the series × scale 1 asks for about 1.08e+8 requests by ${series}:23,`);
    // With `horizon: 2900` only the small samples can arrive (the first large one starts at 3000 s).
    const ok = await drs(['validate', tmpFile('s.yaml', scen('horizon: 2900\n'))]);
    expect(ok.code, ok.err).toBe(0);
  });

  it('validate --full reads the whole trace: a bad line past the first 100 requests is found, with its line', async () => {
    const rows = ['t,d,cpu', ...Array.from({ length: 150 }, (_, i) => (i === 120 ? `${i},x,1` : `${i},5,1`))].join('\n');
    const csv = tmpFile('t.csv', `${rows}\n`);
    const scen = tmpFile('s.yaml', tiny('').replace(/trace:[\s\S]*?strategies:/, `trace:\n  kind: csv\n  file: ${csv}\n  columns: { arrival: t, duration: d, demand: { cpu: cpu } }\nstrategies:`));
    const quick = await drs(['validate', scen]);
    expect(quick.code, quick.err).toBe(0);
    expect(quick.out).toContain('trace csv: first 100 requests read');
    const full = await drs(['validate', scen, '--full']);
    expect(full.code).toBe(2);
    expect(full.err).toContain(`${csv}:122`);
    const good = tmpFile('s2.yaml', readFileSync(scen, 'utf8').replace(csv, tmpFile('g.csv', `${rows.replace('120,x,1', '120,5,1')}\n`)));
    const all = await drs(['validate', good, '--full']);
    expect(all.code, all.err).toBe(0);
    expect(all.out).toContain('trace csv: all 150 requests read');
  });

  it('counts a trace request larger than any node as a never-fits rejection, not an error', async () => {
    // Data may hold work no node can run: each such request is counted, and the rest runs.
    const rows = ['t,d,cpu', ...Array.from({ length: 30 }, (_, i) => `${i},5,${i % 10 === 3 ? 64 : 1}`)].join('\n');
    const csv = tmpFile('t.csv', `${rows}\n`);
    const scen = tiny('').replace(/trace:[\s\S]*?strategies:/, `trace:\n  kind: csv\n  file: ${csv}\n  columns: { arrival: t, duration: d, demand: { cpu: cpu } }\nstrategies:`);
    const out = tmpFile('j.json', '');
    const r = await drs(['run', tmpFile('s.yaml', scen), '--json', out, '--quiet']);
    expect(r.code).toBe(0);
    const res = JSON.parse(readFileSync(out, 'utf8')) as { results: { metrics: { requests: { rejected: number; completed: number }; rejectionsByCode: Record<string, number> } }[] };
    const m = res.results[0]?.metrics;
    expect(m?.rejectionsByCode['never-fits']).toBe(3);
    expect(m?.requests.rejected).toBe(3);
    expect(m?.requests.completed).toBe(27);
  });

  it('refuses a synthetic profile no pool can run (every request of it would be rejected), naming its line', async () => {
    const scen = tiny('').replace("profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi } }]", "profiles: [{ name: p, weight: 9, demand: { cpu: 1, memory: 1Gi } }, { name: huge, weight: 1, demand: { cpu: 64 } }]");
    const file = tmpFile('s.yaml', scen);
    const r = await drs(['run', file]);
    expect(r.code).toBe(2);
    const line = scen.split('\n').findIndex((l) => l.includes('profiles:')) + 1;
    expect(r.err).toBe(`drs run: ${file}:${line}, field 'trace.profiles[1].demand': profile 'huge' can run on no pool (requests 64 cpu but the largest allowed node has 4): every request of it would be rejected\n`);
    const labelled = await drs(['validate', tmpFile('s.yaml', scen.replace('demand: { cpu: 64 }', 'demand: { cpu: 1 }, labels: { tier: gold }'))]);
    expect(labelled.err).toMatch(/field 'trace\.profiles\[1\]': profile 'huge' can run on no pool \(no pool matches labels \{"tier":"gold"\}\)/);
    const slow = await drs(['validate', tmpFile('s.yaml', scen.replace('demand: { cpu: 64 }', 'demand: { cpu: 1 }, maxLatencyMs: 5').replace('pricePerHour: 1', 'pricePerHour: 1\n    latencyMs: 20'))]);
    expect(slow.err).toMatch(/profile 'huge' can run on no pool \(needs latency ≤ 5 ms; the fastest allowed pool has 20 ms\)/);
    const fits = await drs(['validate', tmpFile('s.yaml', scen.replace('demand: { cpu: 64 }', 'demand: { cpu: 4 }'))]);
    expect(fits.err).toBe('');
  });
});

describe('bad input gets a one-line error and exit code 2', () => {
  const bad = async (yaml: string): Promise<string> => {
    const file = tmpFile('bad.yaml', yaml);
    const r = await drs(['run', file]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.err).toContain(file);
    return r.err;
  };

  it('an unknown key: file, line and field path', async () => {
    const err = await bad(tiny('').replace('    pricePerHour: 1', '    pricePerHour: 1\n    pricePerHuor: 2'));
    expect(err).toMatch(/bad\.yaml:9, field 'pools\[0\]\.pricePerHuor': unknown key 'pricePerHuor'/);
  });

  it('a negative capacity', async () => {
    const err = await bad(tiny('').replace('cpu: 4, memory: 16Gi', 'cpu: -4, memory: 16Gi'));
    expect(err).toMatch(/field 'pools\[0\]\.capacity\.cpu': expected a non-negative quantity/);
  });

  it('a wrong unit', async () => {
    const err = await bad(tiny('horizon: 5 minutes'));
    expect(err).toMatch(/field 'horizon': expected a duration > 0 such as 30, "90s"/);
  });

  it('an unknown strategy name lists the known ones', async () => {
    const err = await bad(tiny('').replace('strategies: [first-fit, best-fit-decreasing]', 'strategies: [first-fit, best-fitt]'));
    expect(err).toMatch(/field 'strategies\[1\](\.name)?': unknown strategy 'best-fitt' \(known: first-fit, best-fit-decreasing/);
  });

  it('a capacity in a dimension the scenario does not have', async () => {
    const err = await bad(tiny('').replace('cpu: 4, memory: 16Gi', 'cpu: 4, vram: 16Gi'));
    expect(err).toMatch(/field 'pools\[0\]\.capacity\.vram': unknown resource 'vram' \(dimensions: cpu, memory, gpu\)/);
  });

  it('invalid YAML', async () => {
    const err = await bad('name: x\npools: [\n');
    expect(err).toMatch(/bad\.yaml:\d+: invalid YAML/);
  });

  it('a missing trace file names the path and the data root', async () => {
    const yaml = tiny('').replace(/trace:[\s\S]*?strategies:/, 'trace:\n  kind: swf\n  file: swf/nope.swf.gz\nstrategies:');
    const file = tmpFile('bad.yaml', yaml);
    const r = await drs(['run', file, '--data-dir', '/tmp/no-such-root']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('swf/nope.swf.gz');
    expect(r.err).toContain('/tmp/no-such-root');
  });

  it('an unknown flag and an unknown command', async () => {
    expect((await drs(['run', 'x.yaml', '--sed', '1'])).code).toBe(2);
    const r = await drs(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'frobnicate'/);
  });

  it('an output file in a folder that does not exist, refused before the run', async () => {
    const file = tmpFile('ok.yaml', tiny(''));
    const r = await drs(['run', file, '--json', '/nonexistent-drs-folder/r.json']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/--json \/nonexistent-drs-folder\/r\.json: folder \/nonexistent-drs-folder does not exist/);
  });

  it('two outputs naming one file, or an output naming the scenario, refused before the run', async () => {
    const file = tmpFile('same.yaml', tiny(''));
    const out = tmpFile('same.out', '');
    const r = await drs(['run', file, '--html', out, '--json', out]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`drs run: --html ${out}: --json writes the same file; give each output its own file\n`);
    const own = await drs(['run', file, '--json', file]);
    expect(own.code).toBe(2);
    expect(own.err).toBe(`drs run: --json ${file}: is a file this command reads; writing it would destroy it\n`);
    expect(readFileSync(file, 'utf8')).toBe(tiny(''));
    // Nor through a symbolic link to it.
    const link = `${file}.link.json`;
    symlinkSync(file, link);
    expect((await drs(['run', file, '--json', link])).err).toBe(`drs run: --json ${link}: is a file this command reads; writing it would destroy it\n`);
    expect(readFileSync(file, 'utf8')).toBe(tiny(''));
    // Nor the trace the scenario reads (the events writer would have emptied it before it was read).
    const csv = tmpFile('own-trace.csv', 't,d,cpu\n0,5,1\n');
    const scen = tmpFile('own-trace.yaml', tiny('').replace(/trace:[\s\S]*?strategies:/, `trace:\n  kind: csv\n  file: ${csv}\n  columns: { arrival: t, duration: d, demand: { cpu: cpu } }\nstrategies:`));
    const trace = await drs(['run', scen, '--events', csv]);
    expect(trace.code).toBe(2);
    expect(trace.err).toBe(`drs run: --events ${csv}: is a file this command reads; writing it would destroy it\n`);
    expect(readFileSync(csv, 'utf8')).toBe('t,d,cpu\n0,5,1\n');
    // Nor a learned model a strategy reads (--json replaced a trained model with the run's results).
    const dir = path.dirname(tmpFile('x', ''));
    const model = path.join(dir, 'mine.json');
    const trained = readFileSync(path.join(ROOT, 'models/allocator/agent-fleet.json'), 'utf8');
    writeFileSync(model, trained);
    const withModel = path.join(dir, 'with-model.yaml');
    writeFileSync(withModel, readFileSync(path.join(ROOT, 'scenarios/default.yaml'), 'utf8').replace('  - learned:agent-fleet', '  - learned:mine.json'));
    for (const flag of ['--json', '--html', '--events']) {
      const out = flag === '--events' ? path.join(dir, 'mine.json.csv') : model;
      if (flag === '--events') symlinkSync(model, out);
      const r = await drs(['run', withModel, flag, out]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toBe(`drs run: ${flag} ${out}: is a file this command reads; writing it would destroy it\n`);
      expect(readFileSync(model, 'utf8')).toBe(trained);
    }
  });

  it('a scenario file holding two YAML documents names the line the second starts on', async () => {
    const text = `${tiny('')}---\nname: other\n`;
    const file = tmpFile('two-docs.yaml', text);
    const r = await drs(['validate', file]);
    expect(r.code).toBe(2);
    const line = text.split('\n').indexOf('---') + 1;
    expect(r.err).toBe(`drs validate: ${file}:${line}: the file holds more than one YAML document (a second starts on this line, after \`---\`); it must be one document\n`);
  });

  it('a missing scenario file', async () => {
    const r = await drs(['run', 'scenarios/nope.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.yaml: scenario file not found/);
  });
});

describe('shipped scenarios', () => {
  const files = ['default.yaml', 'azure-llm.yaml', 'alibaba-gpu.yaml', 'hpc-swf.yaml'].map((f) => path.join(ROOT, 'scenarios', f));
  it('all validate', async () => {
    const r = await drs(['validate', ...files]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').filter((l) => !l.startsWith('  note: '))).toHaveLength(4);
    expect(r.out).toContain('hpc-swf.yaml: ok (1 pool, 6 strategies: fcfs,');
    // The SDSC log's first 108 records give the 100 requests read: 8 ran 0 s or less, said under the ok line.
    expect(r.out).toMatch(/hpc-swf\.yaml: ok .*\n {2}note: the trace's 108 record\(s\) gave 100 request\(s\); skipped by its rules: run time not positive \(cancelled, or unknown\) 8\n/);
  });

  it.skipIf(!haveData('test/cli', 'swf/SDSC-SP2-1998-4.2-cln.swf.gz'))('the HPC scenario reproduces the expected ordering: EASY backfilling beats plain FCFS', async () => {
    const out = tmpFile('hpc.json', '');
    const r = await drs(['run', path.join(ROOT, 'scenarios/hpc-swf.yaml'), '--strategies', 'fcfs,fcfs+easy', '--json', out, '--quiet']);
    expect(r.code).toBe(0);
    const res = JSON.parse(readFileSync(out, 'utf8')) as { results: { strategy: string; metrics: { meanBoundedSlowdown: number; requests: { completed: number } } }[] };
    const [plain, easy] = res.results;
    expect(plain?.metrics.requests.completed).toBe(10000);
    expect(easy?.metrics.meanBoundedSlowdown).toBeLessThan((plain?.metrics.meanBoundedSlowdown ?? 0) / 2);
  });
});

describe('drs run on a cluster without GPUs', () => {
  it("prints '-' for GPU utilization and writes null, not an idle 0.0 %", async () => {
    const scen = tmpFile(
      'nogpu.yaml',
      [
        'name: nogpu',
        'horizon: 2m',
        'pools:',
        '  - { name: c, capacity: { cpu: 8, memory: 32Gi }, nodes: 1, pricePerHour: 1, latencyMs: 5 }',
        'trace: { kind: synthetic, horizon: 2m, arrival: { rate: 0.2 }, profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 10s } }] }',
        'strategies: [first-fit]',
      ].join('\n') + '\n',
    );
    const json = tmpFile('nogpu.json', '');
    const r = await drs(['run', scen, '--json', json]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    const head = lines.find((l) => l.startsWith('strategy')) as string;
    const row = lines.find((l) => l.startsWith('first-fit')) as string;
    const at = head.indexOf('util gpu');
    expect(row.slice(at, at + 'util gpu'.length).trim()).toBe('-');
    const m = (JSON.parse(readFileSync(json, 'utf8')) as { results: { metrics: { utilization: Record<string, number | null> } }[] }).results[0]?.metrics;
    expect(m?.utilization.gpu).toBeNull();
    expect(m?.utilization.cpu).toBeGreaterThan(0);
  });
});
