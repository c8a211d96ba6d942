import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/local.js';
import { runSweepQueue } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { queueTestFile, REDIS_URL } from './redis.js';

/**
 * drs worker prints a line per finished cell; a cell that failed on it (bad input: seed 3 of the
 * heavy-tail fixture) printed nothing, so the worker's log had no trace of it (the failure was
 * seen only in the submitter's table). It now says the cell failed, why, and that it is not retried.
 */
const { dir, name } = queueTestFile('worker-lines');

copyFileSync(path.join(import.meta.dirname, 'fixtures', 'heavy-tail.yaml'), path.join(dir, 'sc.yaml'));
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: ./sc.yaml\nseeds: [2, 3]\n');

describe('drs worker', () => {
  it('prints a line for a cell that failed on bad input, with the reason, as well as for a completed one', async () => {
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), DATA_ROOT);
    const script = path.resolve(import.meta.dirname, 'worker-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, 'worker', '--queue', REDIS_URL, '--name', name], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 60_000 });
      expect([...res.values()].map((r) => r.state).sort()).toEqual(['completed', 'failed']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await ended).toBe(0);
    const [two, three] = [2, 3].map((s) => plan.cells.find((c) => c.seed === s)?.hash.slice(0, 12));
    expect(err).toContain(`\ncell ${two} first-fit seed 2: completed\n`);
    expect(err).toContain(`\ncell ${three} first-fit seed 3: failed, not retried (bad input): ${dir}/sc.yaml:11, field 'trace.profiles[0].duration': seed 3, strategy first-fit: request syn-1 drew a run time of 4.352610914483812e+22 s`);
  }, 120_000);
});
