import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/report/json.js';
import { planSweep, runSweepLocal, sweepResult } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { ResultStore } from '../../src/sweep/store.js';
import { DATA_ROOT } from '../support/data.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/tiny.yaml');

describe('local sweep on worker threads', () => {
  it('gives the same aggregated JSON on 2 threads as in-process, and resumes from the results folder', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    expect(plan.cells).toHaveLength(2 * 2 * 3); // 2 rates × 2 strategies × 3 seeds
    expect(new Set(plan.cells.map((c) => c.hash)).size).toBe(12);

    const inline = sweepResult(plan, await runSweepLocal(plan, { workers: 0, dataRoot: DATA_ROOT }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-'));
    try {
      const store = new ResultStore(dir);
      const threaded = sweepResult(plan, await runSweepLocal(plan, { workers: 2, dataRoot: DATA_ROOT, store }));
      expect(toJson(threaded)).toBe(toJson(inline));
      expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(12);

      // Interrupted: three results lost. Only those three run again; the rest come from the folder.
      for (const c of plan.cells.slice(0, 3)) rmSync(path.join(dir, `${c.hash}.json`));
      let cached = -1;
      let finalDone = 0;
      const resumed = sweepResult(plan, await runSweepLocal(plan, { workers: 2, dataRoot: DATA_ROOT, store: new ResultStore(dir), onProgress: (done, _t, c) => ((cached = c), (finalDone = done)) }));
      expect(cached).toBe(9);
      expect(finalDone).toBe(12);
      expect(toJson(resumed)).toBe(toJson(inline));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The aggregation: 3 runs per group; the rate axis moves utilization; pairs are compared per point.
    expect(inline.groups.map((g) => g.runs)).toEqual([3, 3, 3, 3]);
    const util = (rate: number): number => inline.groups.find((g) => g.point['trace.arrival.rate'] === rate && g.strategy === 'first-fit')?.metrics['utilization.cpu']?.mean ?? NaN;
    expect(util(12)).toBeGreaterThan(util(6));
    expect(inline.comparisons).toHaveLength(2);
    expect(inline.comparisons[0]?.metrics['wait.p95']?.n).toBe(3);
  }, 180_000);
});
