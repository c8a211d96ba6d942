import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = (mode: 'throw' | 'reject') =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/predict/fixtures/tf-then-throw.ts'), mode], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DRS_TF_BACKEND: 'wasm' },
  });

/**
 * The WASM backend's Emscripten glue installs process-wide uncaughtException and
 * unhandledRejection handlers that rethrow: a host program (the CLI, or a service embedding the
 * library) whose bug surfaced after a neural forecaster had loaded then exited with code 7 and a
 * dump of the minified glue. loadTf takes them off again.
 */
describe('the TF runtime leaves the host process its own error handling', () => {
  it.each(['throw', 'reject'] as const)('an uncaught error after the WASM backend loaded (%s) exits 1 with the error, as without TF', (mode) => {
    const r = run(mode);
    expect(r.stdout).toBe('backend wasm sum 6\n');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(mode === 'throw' ? 'Error: host bug after TF' : 'Error: host rejection after TF');
    expect(r.stderr).not.toContain('tfjs-backend-wasm');
  });
});
