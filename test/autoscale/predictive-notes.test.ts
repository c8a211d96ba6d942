import { describe, expect, it } from 'vitest';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import type { DemandSample } from '../../src/autoscale/policy.js';
import { runNotes } from '../../src/report/table.js';
import type { ComparisonResult } from '../../src/sim/compare.js';
import { input, pool } from './helpers.js';

/*
 * A predictive policy that cannot forecast must say so in the run's output, not silently run as
 * the reactive rule: a flat series has no season to detect, and a run shorter than `minHistory`
 * never forecasts. Decisions every 15 s, 60-s bins: 4 decisions a bin.
 */
function drive(p: PredictivePolicy, seconds: number, demand: (t: number) => number): void {
  const history: DemandSample[] = [];
  for (let t = 0; t < seconds; t += 15) {
    history.push({ time: t, demandNodes: [demand(t)], arrivals: 0 });
    p.decide(input(t, [pool(10, demand(t))], history));
  }
}

describe('predictive policy notes', () => {
  it("a flat series without a season, noSeason 'reactive': the fit fails, the note counts it and names the option to set", () => {
    // (With the default noSeason 'forecast' a non-seasonal model forecasts instead: predictive-no-season.test.ts.)
    const p = new PredictivePolicy({ minHistory: 10, refitEvery: 10, noSeason: 'reactive' });
    drive(p, 100 * 60, () => 5);
    const notes = p.notes();
    expect(notes).toHaveLength(1);
    const note = notes[0] as string;
    // 400 decisions: bins close at 60 s, 120 s, …; the first 10 bins (41 decisions at t < 600 s + the first) are the warm-up.
    expect(note).toMatch(/^pool 'w': never forecast: all 400 decisions were the reactive rule \(\d+ fit failed: .*no seasonal period.*give one with 'season' \(steps\) or 'seasonSeconds' in the policy's options, or 'season: 1' for none; \d+ warm-up \(under 10 bins of history\)\)$/);
    const failed = Number(/\((\d+) fit failed/.exec(note)?.[1]);
    const warm = Number(/; (\d+) warm-up/.exec(note)?.[1]);
    expect(failed + warm).toBe(400);
    // Bin 9 closes at t = 600 s (decision 40): decisions 0-39 are the warm-up.
    expect(warm).toBe(40);
  });

  it('forecasts, then fits that fail: the note gives both counts', () => {
    // A 8-minute cycle for an hour (a season to detect), then flat: once the 40 bins kept hold no cycle, refits fail.
    const p = new PredictivePolicy({ minHistory: 40, maxHistory: 40, refitEvery: 10, noSeason: 'reactive' });
    drive(p, 120 * 60, (t) => (t < 3600 ? 5 + (t % 480 < 240 ? 3 : 0) : 5));
    const notes = p.notes();
    expect(notes).toHaveLength(1);
    // 160 warm-up decisions (bins 0-39), forecasts until the kept window is flat, then the failed refits.
    expect(notes[0]).toMatch(/^pool 'w': forecast in 200 of 480 decisions; the reactive rule in the others \(160 warm-up \(under 40 bins of history\); 120 fit failed: .*no seasonal period could be detected in 40 points.*\)$/);
  });

  it('a run shorter than the warm-up: never forecast, said', () => {
    const p = new PredictivePolicy({ seasonSeconds: 3600 });
    drive(p, 30 * 60, () => 5);
    expect(p.notes()).toEqual(["pool 'w': never forecast: all 120 decisions were the reactive rule (120 warm-up (under 120 bins of history))"]);
  });

  it('a warm-up followed by forecasts is the documented rule: no note', () => {
    const p = new PredictivePolicy({ season: 1, minHistory: 10 });
    drive(p, 60 * 60, (t) => 5 + (t % 600 < 300 ? 1 : 0));
    expect(p.notes()).toEqual([]);
  });

  it('drs run prints the notes under the table, labelled with the strategy', () => {
    const metrics = { requests: { total: 0, completed: 0, expired: 0, rejected: 0, unfinished: 0 } } as never;
    const result: ComparisonResult = {
      scenario: 's',
      seed: '1',
      dimensions: ['cpu'],
      results: [
        { state: 'completed', strategy: 'predictive', allocator: 'first-fit', queue: 'fcfs', scaling: 'predictive', metrics, simulatedSeconds: 1, decisions: 1, solverStatus: {}, scalingNotes: ["pool 'w': never forecast"] },
        { state: 'completed', strategy: 'hw', allocator: 'first-fit', queue: 'fcfs', scaling: 'predictive', metrics, simulatedSeconds: 1, decisions: 1, solverStatus: {}, scalingNotes: ['x'] },
      ],
    };
    expect(runNotes(result)).toEqual(["note: predictive: pool 'w': never forecast", 'note: hw (predictive): x']);
  });
});
