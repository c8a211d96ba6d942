import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/report/json.js';
import { planSweep, runSweepLocal, sweepResult } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { ROOT } from './helpers.js';

/** Newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// The built package starts dist/sweep/thread.js (plain Node); the source tests start thread.ts
// through tsx. CI builds before testing (npm ci runs the build), so there both paths run.
// DRS_TEST_DIST names another build folder (same layout as dist/) and skips the freshness check.
const distDir = process.env.DRS_TEST_DIST ?? path.join(ROOT, 'dist');
const built = path.join(distDir, 'index.js');
const fresh = existsSync(built) && (process.env.DRS_TEST_DIST !== undefined || statSync(path.join(distDir, 'index.js')).mtimeMs >= newest(path.join(ROOT, 'src')));
if (!fresh) console.warn(`[test/cli/sweep-dist] skipping: ${existsSync(built) ? 'dist/ is older than src/' : 'dist/ not built'} (run npm run build)`);

describe('drs sweep from the built package (dist/ worker threads)', () => {
  it.runIf(fresh)('the built CLI sweeps on 2 threads gives the same JSON as the source run in-process', async () => {
    const fixture = path.join(ROOT, 'test/sweep/fixtures/tiny.yaml');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-dist-'));
    try {
      const out = path.join(dir, 'out.json');
      const entry = path.join(dir, 'drs.mjs');
      writeFileSync(entry, `import { main } from ${JSON.stringify(pathToFileURL(path.join(distDir, 'cli/main.js')).href)};\nmain(process.argv.slice(2)).then((c) => { process.exitCode = c; });\n`);
      const r = spawnSync(process.execPath, [entry, 'sweep', fixture, '--workers', '2', '--fresh', '--quiet', '--results', path.join(dir, 'cells'), '--json', out, '--data-dir', DATA_ROOT], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const plan = await planSweep(await loadSweep(fixture), DATA_ROOT);
      expect(readFileSync(out, 'utf8')).toBe(toJson(sweepResult(plan, await runSweepLocal(plan, { workers: 0, dataRoot: DATA_ROOT }))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
