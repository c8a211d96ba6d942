import { describe, expect, it } from 'vitest';
import { BACKENDS, maxViolation } from '../../src/algorithms/solvers/index.js';
import { hardPacking } from './hard-packing.js';

describe('HiGHS time limit', () => {
  it('HiGHS gets what is left of the limit when it starts, not the whole limit: time spent before (loading, model transfer) counts', async () => {
    // The clock says 29.999 of the 30 s went before the solve started (a first-use load of the
    // WASM binary under load takes seconds) and then stands still, so the interrupt callbacks never
    // see the deadline: only HiGHS's own time_limit can stop this solve. It was the whole 30 s
    // (HiGHS's clock starts at its run), so the solve ran on for up to 30 s; now it is the 1 ms left.
    const { model, start } = hardPacking();
    let reads = 0;
    const clock = (): number => (reads++ === 0 ? 0 : 29_999);
    const r = await BACKENDS.highs.solve(model, { timeLimitSeconds: 30, clock, start });
    expect(r.stoppedBy).toBe('wall');
    // Stopped within 1 ms of HiGHS's clock, it may not even have taken the start in yet.
    expect(['feasible', 'no-solution']).toContain(r.status);
    if (r.status === 'feasible') expect(maxViolation(model, r.values)).toBeLessThan(1e-6);
  }, 20_000);
});
