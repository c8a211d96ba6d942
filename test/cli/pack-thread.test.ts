import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, drs, tmpFile } from './helpers.js';

/*
 * `drs pack` solves its ILP on a HiGHS worker thread (src/packing/solver-thread.ts) so that its
 * time limit is hard. Without --time-limit nothing of the output changes: the same table as when
 * HiGHS ran in the CLI's own thread, from the source (tsx/vitest: the thread registers tsx) and
 * from the built package (bin/drs.js: the thread runs dist/packing/solver-thread-entry.js).
 */

/** Newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const built = path.join(ROOT, 'dist', 'cli', 'main.js');
const fresh = existsSync(built) && statSync(built).mtimeMs >= newest(path.join(ROOT, 'src'));
if (!fresh) console.warn(`[test/cli/pack-thread] skipping the built-package run: ${existsSync(built) ? 'dist/ is older than src/' : 'dist/ not built'} (run npm run build)`);

// Capacity 10, sizes 5 5 4 4 3 3 3 3: FFD and BFD take 4 bins ({5,5}, {4,4}, {3,3,3}, {3}); the
// bound ⌈30/10⌉ = 3 is met by {5,5}, {4,3,3}, {4,3,3}, which the GA finds and HiGHS proves.
const file = tmpFile('eight.txt', '8\n10\n5\n5\n4\n4\n3\n3\n3\n3\n');
const TABLE = [
  'eight: 8 items, capacity 10, lower bound 3, seed 0',
  '  strategy   bins  status',
  '  ffd           4  feasible',
  '  bfd           4  feasible',
  '  ga            3  optimal (lower-bound)',
  '  ilp           3  optimal (solver)',
  '',
].join('\n');

describe('drs pack with HiGHS on a worker thread', () => {
  it('prints the same table as before without --time-limit (from the source)', async () => {
    const r = await drs(['pack', file, '--no-timings']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(TABLE);
  });

  it.runIf(fresh)('prints the same table from the built package (bin/drs.js), and the process ends by itself', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'drs.js'), 'pack', file, '--no-timings'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(TABLE);
  });

  it('the ILP alone, in JSON: optimal, proved by the solver, the seed recorded', async () => {
    const r = await drs(['pack', file, '--no-timings', '--json', '--strategies', 'ilp', '--seed', '4']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      instance: 'eight',
      capacity: 10,
      items: 8,
      lowerBound: 3,
      seed: 4,
      results: [{ strategy: 'ilp', bins: 3, status: 'optimal', stoppedBy: 'converged', proof: 'solver' }],
    });
  });
});
