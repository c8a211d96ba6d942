/**
 * Acceptance on real data (issue 6): our Holt-Winters against the measured statsmodels fixture
 * (bench/forecast/statsmodels-results.json, produced by bench/forecast/statsmodels_hw.py) under the
 * same protocol. Only the cheap models run here; the neural ones are in the bench.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_SERIES, loadBenchSeries, readStatsmodels, runModel, type StatsmodelsFixture } from '../../bench/forecast/protocol.js';
import { DATA_ROOT, haveData } from '../support/data.js';

const root = DATA_ROOT;
const present = haveData('predict acceptance', ...BENCH_SERIES.map((s) => s.rel));

const CHEAP = ['holt-winters', 'seasonal-naive', 'regression', 'regression-dummy', 'ewma', 'holt', 'moving-average', 'naive'] as const;

describe.skipIf(!present)('forecast accuracy vs statsmodels Holt-Winters (real data)', () => {
  const results = new Map<string, Record<string, number>>();
  let sm: StatsmodelsFixture;

  // One walk-forward run per series and cheap model (about a minute on 2 cores, most of it
  // Holt-Winters on the 18,050-point asg series, refitted at each of its 301 origins).
  beforeAll(async () => {
    sm = await readStatsmodels();
    for (const s of BENCH_SERIES) {
      const values = await loadBenchSeries(root, s);
      const ref = sm.results.find((r) => r.series === s.name);
      if (ref?.points !== values.length) throw new Error(`${s.name}: ${values.length} points here, ${ref?.points} in the statsmodels fixture`);
      const row: Record<string, number> = {};
      for (const m of CHEAP) row[m] = (await runModel(m, values, s.season)).smape;
      results.set(s.name, row);
    }
  }, 300_000);

  it('covers the seven series of the fixture', () => {
    expect(sm.results.map((r) => r.series).sort()).toEqual([...results.keys()].sort());
  });

  it('our Holt-Winters is no worse than statsmodels on any series, within 2 % where statsmodels beats seasonal naive', () => {
    for (const ref of sm.results) {
      const ours = results.get(ref.series)?.['holt-winters'];
      expect(ours, ref.series).toBeDefined();
      const limit = ref.smape < ref.seasonalNaiveSmape ? ref.smape * 1.02 : ref.smape;
      expect(ours as number, `${ref.series}: ours ${ours} vs statsmodels ${ref.smape}`).toBeLessThanOrEqual(limit);
    }
  });

  it('our seasonal naive matches the one computed by the statsmodels script (same data, same origins)', () => {
    for (const ref of sm.results) expect(results.get(ref.series)?.['seasonal-naive'], ref.series).toBeCloseTo(ref.seasonalNaiveSmape, 6);
  });

  it('our best model beats statsmodels Holt-Winters on at least 5 of 7 series', () => {
    const wins = sm.results.filter((ref) => Math.min(...Object.values(results.get(ref.series) ?? {})) < ref.smape);
    expect(wins.length).toBeGreaterThanOrEqual(5);
  });
});
