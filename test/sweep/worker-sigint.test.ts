import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { queueTestFile, REDIS_URL } from './redis.js';

/**
 * Ctrl-C on a drs worker waits for its running cells (they finish and are reported), which can
 * take minutes; it said nothing, so Ctrl-C looked ignored. It now says it is stopping after N
 * running cells and that Ctrl-C again stops at once; a second Ctrl-C ends the process by the signal.
 */
const { dir, name, redis } = queueTestFile('worker-sigint');

// One cell of a day of the default scenario: it runs far longer than the test waits.
writeFileSync(
  path.join(dir, 'sweep.yaml'),
  `scenario: ${path.resolve(import.meta.dirname, '../../scenarios/default.yaml')}\nstrategies: [first-fit]\nseeds: [1]\nset:\n  horizon: 24h\n  trace.horizon: 24h\n`,
);

describe('drs worker on Ctrl-C while a cell runs', () => {
  it('says it waits for the running cell and how to stop now; a second Ctrl-C stops it', async () => {
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), DATA_ROOT);
    const script = path.resolve(import.meta.dirname, 'worker-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, 'worker', '--queue', REDIS_URL, '--name', name, '--quiet'], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT } });
    let err = '';
    // Resolves once stderr matches; rejects if the process exits first or nothing comes within 30 s.
    const shows = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stderr did not show ${re} within 30 s: ${err}`)), 30_000);
        const look = (): void => void (re.test(err) && (clearTimeout(timer), resolve()));
        child.stderr.on('data', look);
        child.on('exit', () => (clearTimeout(timer), reject(new Error(`exited before its stderr showed ${re}: ${err}`))));
        look();
      });
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const q = new Queue(name, { connection: redis() });
    // The cell's job as drs sweep --queue adds it (no submitter waiting here).
    await q.add('cell', plan.cells[0], { jobId: plan.cells[0]?.hash });
    try {
      for (let i = 0; i < 600 && (await q.getActiveCount()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await q.getActiveCount(), err).toBe(1);
      child.kill('SIGINT');
      await shows(/worker: stopping once the running cell finishes; Ctrl-C again to stop now \(the cell then runs again on another worker\)\n/);
      child.kill('SIGINT');
      expect(await ended).toBe('SIGINT');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await q.close();
    }
  }, 120_000);
});
