import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'drs-bench-usage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run a bench script as a user does (from the project root); stderr, stdout and exit code. */
function run(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** A user mistake: exactly this one line on stderr, exit 2, no stack trace. */
function expectUserError(r: { status: number | null; stderr: string }, line: string): void {
  expect(r.stderr).toBe(`${line}\n`);
  expect(r.status).toBe(2);
}

const T = 60_000;

describe('bench scripts: a user mistake is one line and exit 2, never a stack trace', () => {
  it('an unknown policy or a missing option value (openb.ts)', () => {
    expectUserError(run(['bench/openb.ts', 'nosuch']), "bench/openb.ts: unknown policy 'nosuch'; choose from random, dot-product, gpu-clustering, gpu-packing, best-fit, fgd, fgd-pack, fgd-repair");
    expectUserError(run(['bench/openb.ts', '--list']), 'bench/openb.ts: --list needs a value');
  }, T);

  it('a missing data folder names the file and how the data root is chosen', () => {
    expectUserError(run(['bench/openb.ts', 'fgd'], { DRS_DATA_DIR: path.join(tmp, 'no-data') }), `${path.join(tmp, 'no-data')}/gpu-cluster/openb_node_list_gpu_node.csv.gz not found (data root ${path.join(tmp, 'no-data')}: from DRS_DATA_DIR)`);
    expectUserError(run(['bench/replay-case.ts', 'hpc2n-first-fit'], { DRS_DATA_DIR: path.join(tmp, 'no-data') }), `${path.join(tmp, 'no-data')}/swf/HPC2N-2002-2.2-cln.swf.gz not found (data root ${path.join(tmp, 'no-data')}: from DRS_DATA_DIR)`);
  }, T);

  it('a node:util parseArgs error (unknown option) and a missing file named on the command line', () => {
    expectUserError(run(['bench/autoscale-quantile.ts', '--bogus']), "bench/autoscale-quantile.ts: Unknown option '--bogus'");
    expectUserError(run(['bench/forecast/acceptance.ts', path.join(tmp, 'none.json')]), `bench/forecast/acceptance.ts: ${path.join(tmp, 'none.json')}: no such file or folder`);
    const notJson = path.join(tmp, 'not.json');
    writeFileSync(notJson, 'hello');
    const r = run(['bench/autoscale-plot.ts', notJson]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${notJson}: not JSON \\(.*\\)\\n$`));
  }, T);

  it('a bad number is refused before anything runs or is written', () => {
    // Before: seed NaN ran the scenario and was saved to the results file as seed null.
    const aq = path.join(tmp, 'aq.json');
    expectUserError(run(['bench/autoscale-quantile.ts', '--seeds', 'x', '--out', aq]), "bench/autoscale-quantile.ts: field '--seeds': 'x' is not a seed or a range like 42-51");
    expectUserError(run(['bench/autoscale-quantile.ts', '--quantiles', '0.9,1', '--out', aq]), "--quantiles: expected numbers strictly between 0 and 1, separated by commas; got '1'");
    expect(existsSync(aq)).toBe(false);
    // Before: --workers x ran 0 instances and overwrote packing-latest with an empty table.
    const pk = path.join(tmp, 'packing');
    expectUserError(run(['bench/packing/run.ts', '--sets', 'u120', '--strategies', 'ffd', '--workers', 'x', '--out', pk]), "--workers must be a whole number, got 'x'");
    expectUserError(run(['bench/packing/run.ts', '--sets', 'u120', '--ga-time=-1', '--out', pk]), '--ga-time must be at least 0, got -1');
    expect(existsSync(pk)).toBe(false);
    // Before: a window start 'x' became NaN and ended in a RangeError from the simulator.
    expectUserError(run(['bench/learn-validate.ts', 'trace.swf.gz', '0,x', '1024', 'm.json']), "START must be a whole number, got 'x'");
    expectUserError(run(['bench/sweep.ts', '--seeds', 'abc']), "--seeds must be a whole number, got 'abc'");
    expectUserError(run(['bench/queue-cancel.ts', '--size', '10,x']), 'bench/queue-cancel.ts: --size: expected whole numbers >= 1 separated by commas, got 10,x');
  }, T);

  it('an unknown name is refused before any work, not after a silent empty run', () => {
    // Before: --only nosuch ran no series and wrote an empty table with exit 0.
    const fc = path.join(tmp, 'fc.json');
    expectUserError(
      run(['bench/forecast/compare.ts', '--models', 'naive', '--only', 'nosuch', '--out', fc]),
      "--only: unknown series 'nosuch' (series: cpu_utilization_asg_misconfiguration, ec2_cpu_utilization_5f5533, ec2_cpu_utilization_825cc2, ec2_network_in_257a54, nyc_taxi, rds_cpu_utilization_cc0c53, genai_qps)",
    );
    expect(existsSync(fc)).toBe(false);
    expectUserError(run(['bench/learn-eval.ts', 'nosuch']), "no shipped queue model named 'nosuch' (shipped: hpc2n, lublin-1, sdsc-sp2)");
    expectUserError(run(['bench/openb-tune.ts', '1', 'zz:free']), "bench/openb-tune.ts: bad config 'zz:free' (fgd or R:free|delta|fit, optionally @coverage)");
  }, T);

  it('a strategy listed twice in bench/packing/run.ts is refused before any work', () => {
    // Before: --strategies ffd,ffd ran FFD twice per instance and its table counted 40 instances of u120.
    const pk = path.join(tmp, 'packing-twice');
    expectUserError(
      run(['bench/packing/run.ts', '--sets', 'u120', '--strategies', 'ffd,bfd,ffd', '--out', pk]),
      "bench/packing/run.ts: --strategies lists 'ffd' twice (each strategy is one column of the table)",
    );
    expect(existsSync(pk)).toBe(false);
  }, T);

  it('a bug is not a user mistake: it keeps its stack and exits 1', () => {
    const bug = path.join(tmp, 'bug.ts');
    writeFileSync(bug, `import '${path.join(ROOT, 'bench/usage.ts')}';\nthrow new Error('a bug');\n`);
    const r = run([bug]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: a bug');
    expect(r.stderr).toMatch(/\n {4}at /);
    expect(readdirSync(tmp)).not.toContain('packing');
  }, T);
});

describe('bench/learn-report.ts', () => {
  it('with no results to report says which and how to make them, instead of printing nothing (exit 0)', () => {
    const empty = mkdtempSync(path.join(tmp, 'results-'));
    expectUserError(run(['bench/learn-report.ts', empty]), `${empty} has neither learn-eval.json nor learn-fleet.json: run bench/learn-eval.ts or bench/learn-fleet.ts first`);
  }, T);
});
