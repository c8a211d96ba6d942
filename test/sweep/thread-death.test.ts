import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { planSweep, runSweepLocal, sweepResult } from '../../src/sweep/local.js';
import { PoolBrokenError } from '../../src/sweep/pool.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { ResultStore } from '../../src/sweep/store.js';
import { DATA_ROOT } from '../support/data.js';
import { drs } from '../cli/helpers.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/tiny.yaml');

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * A worker thread that dies while it holds a cell (out of memory, a native crash): the pool
 * replaces the thread and fails that cell; the sweep must go on, list the cell as failed (exit 1,
 * as a queue sweep does when BullMQ gives up on a cell) and keep every other cell's result. It
 * used to reject the whole sweep at the first death: the cells in flight were lost and `drs sweep`
 * ended with a stack trace instead of its table.
 */
describe('a local sweep whose worker thread dies mid-cell', () => {
  it('fails that cell only; the other cells complete and are kept', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    const send = Worker.prototype.postMessage;
    let sent = 0;
    let killed: unknown;
    // The third cell sent to a thread: the thread is terminated instead (it dies holding the cell).
    vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, msg: unknown) {
      if (++sent === 3) {
        killed = (msg as { cell: { hash: string } }).cell.hash;
        void this.terminate();
        return;
      }
      send.call(this, msg);
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-death-'));
    try {
      const results = await runSweepLocal(plan, { workers: 2, dataRoot: DATA_ROOT, store: new ResultStore(dir) });
      expect(results.size).toBe(plan.cells.length);
      const failed = [...results.values()].filter((r) => r.state === 'failed');
      expect(failed.map((r) => r.hash)).toEqual([killed]);
      expect(failed[0]?.state === 'failed' ? failed[0].error : '').toMatch(/sweep worker thread exited/);
      // Every other cell completed and is in the results folder; the failed one is not (it runs again on resume).
      expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(plan.cells.length - 1);
      const res = sweepResult(plan, results);
      expect(res.failures).toHaveLength(1);
      expect(res.groups.reduce((n, g) => n + g.runs, 0)).toBe(plan.cells.length - 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('once cells have finished, threads dying on every later cell fail those cells and the sweep ends with the rest kept', async () => {
    // A point whose cells all run out of memory: the threads worked before, so the deaths are the cells'.
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    const send = Worker.prototype.postMessage;
    let sent = 0;
    vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, msg: unknown) {
      if (++sent > 4) {
        void this.terminate();
        return;
      }
      send.call(this, msg);
    });
    const results = await runSweepLocal(plan, { workers: 2, dataRoot: DATA_ROOT });
    expect(results.size).toBe(plan.cells.length);
    const states = [...results.values()].map((r) => r.state);
    expect(states.filter((st) => st === 'completed')).toHaveLength(4);
    expect(states.filter((st) => st === 'failed')).toHaveLength(plan.cells.length - 4);
  });

  it('still stops when the threads keep dying (a broken build, not a bad cell), instead of failing every cell', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker) {
      void this.terminate();
    });
    await expect(runSweepLocal(plan, { workers: 2, dataRoot: DATA_ROOT })).rejects.toBeInstanceOf(PoolBrokenError);
  });

  // drs sweep let the PoolBrokenError through to Node: its stack trace instead of a line saying
  // what happened and that the finished cells are kept (the stack trace c789fa4 removed for one death).
  it('drs sweep says so in one line, exit 1, and where the finished cells are kept', async () => {
    vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker) {
      void this.terminate();
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-broken-'));
    try {
      const r = await drs(['sweep', FIXTURE, '--workers', '2', '--results', dir, '--quiet']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^drs sweep: sweep worker threads keep dying \(3 in a row\): .*; the cells that finished are kept in .*: run the sweep again to go on from them\n$/);
      expect(r.err).not.toContain('    at ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
