import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packCommand } from '../../src/cli/pack.js';
import type { CliIo } from '../../src/cli/command.js';
import { UserError } from '../../src/core/errors.js';

function io(cwd: string): CliIo & { stdout: string[] } {
  const stdout: string[] = [];
  return { stdout, out: (t) => void stdout.push(t), err: () => undefined, interactive: false, cwd, env: {} };
}

const dir = mkdtempSync(path.join(tmpdir(), 'drs-pack-'));
writeFileSync(path.join(dir, 'small.txt'), '6\n10\n6\n4\n5\n5\n3\n3\n');
writeFileSync(path.join(dir, 'two.txt'), '2\n a \n 10 2 1\n5\n5\n b \n 10 3 2\n6\n6\n6\n');
writeFileSync(path.join(dir, 'jobs.vbp'), '2 10 10\n6 1\n2 7\n5 5\n4 4\n1 3\n');
// Capacity C = 2^52: C−5, C−6, C−6, 5, 3, 3, 3, 3 fill exactly three bins; the total 3C is past 2^53.
const C = 2 ** 52;
// Nine items of 333333334 in bins of 10^9 × 10^9 (optimum 5, bound 4): HiGHS's tolerance packs three in a bin.
writeFileSync(path.join(dir, 'tolerance.vbp'), `2 1000000000 1000000000\n${'333333334 1\n'.repeat(9)}`);
writeFileSync(path.join(dir, 'p52.txt'), `8\n${C}\n${[C - 5, C - 6, C - 6, 5, 3, 3, 3, 3].join('\n')}\n`);

describe('drs pack', () => {
  it('prints one JSON object for a one-instance file', async () => {
    const o = io(dir);
    expect(await packCommand.run(['small.txt', '--json', '--strategies', 'ffd,ilp', '--time-limit', '20'], o)).toBe(0);
    const json = JSON.parse(o.stdout.join('\n'));
    expect(json).toMatchObject({ instance: 'small', capacity: 10, items: 6, lowerBound: 3 });
    expect(json.results.map((r: { strategy: string }) => r.strategy)).toEqual(['ffd', 'ilp']);
    expect(json.results[1]).toMatchObject({ strategy: 'ilp', bins: 3, status: 'optimal', proof: 'solver' });
    expect(typeof json.results[1].seconds).toBe('number');
  });

  it('prints a JSON array for a multi-instance file, or one object with --instance', async () => {
    const all = io(dir);
    await packCommand.run(['two.txt', '--json', '--strategies', 'ffd,bfd'], all);
    expect(JSON.parse(all.stdout.join('\n')).map((x: { instance: string }) => x.instance)).toEqual(['a', 'b']);
    const one = io(dir);
    await packCommand.run(['two.txt', '--json', '--instance', 'b', '--strategies', 'ffd'], one);
    expect(JSON.parse(one.stdout.join('\n'))).toMatchObject({ instance: 'b', lowerBound: 3, results: [{ bins: 3, status: 'optimal', proof: 'lower-bound' }] });
  });

  it('prints a table for a vector file', async () => {
    const o = io(dir);
    expect(await packCommand.run(['jobs.vbp', '--strategies', 'ffd,ga', '--time-limit', '0.2', '--seed', '3'], o)).toBe(0);
    const text = o.stdout.join('\n');
    expect(text).toMatch(/^jobs: 5 items, capacity 10 x 10, lower bound 2/);
    expect(text).toMatch(/ffd\s+3\s+[\d.]+\s+feasible/);
  });

  it('packs a capacity of 2^52 exactly: three bins, proved, by every strategy', async () => {
    const o = io(dir);
    expect(await packCommand.run(['p52.txt', '--json', '--time-limit', '20'], o)).toBe(0);
    const json = JSON.parse(o.stdout.join('\n'));
    expect(json).toMatchObject({ capacity: C, items: 8, lowerBound: 3 });
    expect(json.results.map((r: { strategy: string; bins: number; status: string }) => `${r.strategy} ${r.bins} ${r.status}`)).toEqual([
      'ffd 3 optimal',
      'bfd 3 optimal',
      'ga 3 optimal',
      'ilp 3 optimal',
    ]);
  });

  it("reports an invalid packing from the solver as the ILP's error, exit 1, after every strategy's result", async () => {
    // It used to stop drs pack with an internal error and a stack trace, printing nothing.
    const o = io(dir);
    expect(await packCommand.run(['tolerance.vbp', '--no-timings', '--strategies', 'ffd,ilp', '--generations', '1', '--max-nodes', '1000'], o)).toBe(1);
    expect(o.stdout.join('\n').split('\n')).toEqual([
      'tolerance: 9 items, capacity 1000000000 x 1000000000, lower bound 4, seed 0',
      '  strategy   bins  status',
      '  ffd           5  feasible',
      "  ilp           5  error: the solver's packing is not valid (bin 0 holds 1000000002 in dimension 0, capacity 1000000000): its feasibility tolerance let it through, so the incumbent is kept and nothing is proved",
    ]);
  });

  it('says why a strategy ended in error in --json too (it printed only "status": "error")', async () => {
    const o = io(dir);
    expect(await packCommand.run(['tolerance.vbp', '--json', '--no-timings', '--strategies', 'ffd,ilp', '--generations', '1', '--max-nodes', '1000'], o)).toBe(1);
    const json = JSON.parse(o.stdout.join('\n'));
    expect(json.results[0]).toEqual({ strategy: 'ffd', bins: 5, status: 'feasible', stoppedBy: 'converged' });
    expect(json.results[1]).toMatchObject({ strategy: 'ilp', bins: 5, status: 'error' });
    expect(json.results[1].message).toMatch(/^the solver's packing is not valid \(bin 0 holds 1000000002 in dimension 0, capacity 1000000000\)/);
  });

  it('rejects bad flags with errors that name them', async () => {
    await expect(packCommand.run(['small.txt', '--strategies', 'ffd,magic'], io(dir))).rejects.toThrow(/unknown strategy 'magic'/);
    await expect(packCommand.run(['small.txt', '--time-limit', '0'], io(dir))).rejects.toThrow(/--time-limit must be a positive/);
    await expect(packCommand.run(['two.txt', '--instance', 'zz'], io(dir))).rejects.toThrow(UserError);
    await expect(packCommand.run(['missing.txt'], io(dir))).rejects.toThrow(/missing\.txt: bin-packing file not found/);
    await expect(packCommand.run(['small.txt', '--frobnicate'], io(dir))).rejects.toThrow(UserError);
  });
});
