import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type * as CellModule from '../../src/sweep/cell.js';
import { planSweep, runSweepLocal } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { ResultStore } from '../../src/sweep/store.js';
import { DATA_ROOT } from '../support/data.js';

/** Cells running right now in this process, and the most at once. */
const running = vi.hoisted(() => ({ now: 0, most: 0 }));

vi.mock('../../src/sweep/cell.js', async (importOriginal) => {
  const cell = await importOriginal<typeof CellModule>();
  return {
    ...cell,
    runCell: async (...args: Parameters<typeof cell.runCell>) => {
      running.most = Math.max(running.most, ++running.now);
      try {
        return await cell.runCell(...args);
      } finally {
        running.now--;
      }
    },
  };
});

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/tiny.yaml');

/**
 * `--workers 0` runs the cells in the drs process. It started every cell at once (their trace
 * reading interleaves at each await), so all of them were in memory together (313 MB for the
 * 60 cells of examples/sweep.yaml, against 216 MB on one thread), none finished before all did
 * (progress "cells 1/60, ETA 1804 s", then 60/60), and a Ctrl-C lost every cell instead of the
 * one in flight.
 */
describe('a local sweep with --workers 0', () => {
  it('runs one cell at a time, each kept in the results folder as it finishes', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-inline-'));
    try {
      const stored: number[] = [];
      const results = await runSweepLocal(plan, { workers: 0, dataRoot: DATA_ROOT, store: new ResultStore(dir), onProgress: () => stored.push(readdirSync(dir).length) });
      expect(results.size).toBe(plan.cells.length);
      expect(running.most).toBe(1);
      // Progress before any cell, then once per cell, each after its result was written.
      expect(stored).toEqual(Array.from({ length: plan.cells.length + 1 }, (_, i) => i));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
