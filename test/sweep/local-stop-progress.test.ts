import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.js';
import { planSweep, runSweepLocal } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { ResultStore } from '../../src/sweep/store.js';
import { DATA_ROOT } from '../support/data.js';

/**
 * A local sweep stopped by bad input (seed 3 of the heavy-tail fixture) closes its pool; the cells
 * still waiting were rejected by the closing pool and each counted as a finished (failed) cell in
 * the progress: `drs sweep` could print "cells 3/4" for a sweep that had run none, just before the
 * error. Progress must count only cells that ran.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-stop-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(path.join(import.meta.dirname, 'fixtures', 'heavy-tail.yaml'), path.join(dir, 'sc.yaml'));
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: ./sc.yaml\nseeds: [3, 2, 4, 5]\n');

describe('a local sweep stopped by bad input', () => {
  it.each([0, 1])('reports no progress for the cells it never ran (--workers %i)', async (workers) => {
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), DATA_ROOT);
    const res = path.join(dir, `res${workers}`);
    const done: number[] = [];
    const e = await runSweepLocal(plan, { workers, dataRoot: DATA_ROOT, store: new ResultStore(res), onProgress: (d) => done.push(d) }).catch((x: unknown) => x);
    expect(isUserError(e) && e.message).toMatch(/seed 3, strategy first-fit: request syn-1 drew a run time/);
    // Seed 3 runs first (submission order, one thread or in-process) and stops the sweep: nothing ran to the end.
    expect(readdirSync(res)).toEqual([]);
    expect(done).toEqual([0]);
  }, 60_000);
});
