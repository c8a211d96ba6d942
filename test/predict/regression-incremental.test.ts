import { sampleStandardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { RegressionForecaster, solve } from '../../src/predict/regression.js';
import type { AutoForecaster } from '../../src/predict/auto.js';
import { createForecaster } from '../../src/predict/index.js';

/**
 * The Fourier regression as it was before fourier-sums.ts: every fit builds XᵀX row by row over the
 * whole window (O(n·p²)). The kept sums must give the same bits, fit after fit, on a growing
 * history (the long-season case, kept between fits) and on a sliding one (rebuilt).
 */
function referenceForecast(history: readonly number[], s: number, horizon: number, z: number, trend = true): { point: number[]; half: number } {
  const n = history.length;
  const w = Math.min(n, Math.max(Math.max(8 * s, 48), 2 * s));
  const t0 = n - w;
  const ys = history.slice(t0);
  const k = Math.min(10, Math.floor(s / 2));
  const span = Math.max(1, ys.length);
  const features = (t: number): number[] => {
    const row = [1];
    if (trend) row.push((t - t0) / span);
    for (let j = 1; j <= k; j++) {
      const a = (2 * Math.PI * j * t) / s;
      row.push(Math.sin(a), Math.cos(a));
    }
    return row;
  };
  const p = features(t0).length;
  const xtx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  ys.forEach((y, i) => {
    const x = features(t0 + i);
    for (let a = 0; a < p; a++) {
      xty[a] = (xty[a] as number) + (x[a] as number) * y;
      for (let b = 0; b < p; b++) (xtx[a] as number[])[b] = ((xtx[a] as number[])[b] as number) + (x[a] as number) * (x[b] as number);
    }
  });
  const beta = solve(xtx, xty);
  const fit = (t: number): number => features(t).reduce((acc, v, i) => acc + v * (beta[i] as number), 0);
  const residuals = ys.map((y, i) => y - fit(t0 + i));
  const sigma = Math.max(sampleStandardDeviation(residuals), 1e-12 * ys.reduce((m, y) => Math.max(m, Math.abs(y)), 0));
  return { point: Array.from({ length: horizon }, (_, h) => fit(n + h)), half: z * sigma };
}

/** A seeded series (LCG, no Math.random): a long cycle, a trend and noise. */
function seeded(n: number, s: number, seed: number): number[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
  return Array.from({ length: n }, (_, t) => 50 + 0.03 * t + 20 * Math.sin((2 * Math.PI * t) / s) + 8 * Math.cos((6 * Math.PI * t) / s) + 5 * next());
}

const Z95 = 1.959963984540054;

describe('regression: the kept normal-equation sums', () => {
  it.each([
    ['growing window (8 seasons longer than the history: sums kept between fits)', 97, 400, true],
    ['growing window without the trend term', 97, 400, false],
    ['sliding window (8 seasons shorter than the history: sums rebuilt)', 13, 400, true],
  ] as const)('%s: every fit and update forecasts the same bits as a fresh build', (_what, s, n, trend) => {
    const y = seeded(n, s, 7);
    const m = new RegressionForecaster({ season: s, trend });
    let checked = 0;
    for (let o = 2 * s + 10; o <= n; o += 12) {
      const prefix = y.slice(0, o);
      if (checked % 2 === 0) m.fit(prefix);
      else m.update(prefix);
      const f = m.forecast(12, 0.95);
      const ref = referenceForecast(prefix, s, 12, Z95, trend);
      expect(f.point).toEqual(ref.point);
      // toEqual treats 0 and −0 alike and numbers by value: compare the bits, as --json would show them.
      expect(f.point.map((v) => Object.is(v, -0) ? '-0' : String(v))).toEqual(ref.point.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
      expect((f.interval?.upper[0] as number) - (f.point[0] as number)).toBe(ref.point[0] as number + ref.half - (ref.point[0] as number));
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('a history that is not an extension of the last one (a value changed) is summed anew', () => {
    const s = 97;
    const y = seeded(300, s, 11);
    const m = new RegressionForecaster({ season: s });
    m.fit(y.slice(0, 250));
    const changed = y.slice(0, 280);
    changed[3] = (changed[3] as number) + 1;
    m.update(changed);
    expect(m.forecast(12).point).toEqual(referenceForecast(changed, s, 12, Z95).point);
  });

  it('a sliding window over a series repeating every 12 steps (the same values, other times) is summed anew', () => {
    const s = 13;
    const y = Array.from({ length: 400 }, (_, t) => [3, 5, 4, 8, 9, 7, 6, 2, 1, 4, 6, 5][t % 12] as number);
    const m = new RegressionForecaster({ season: s });
    for (let o = 300; o <= 400; o += 12) {
      m.update(y.slice(0, o));
      expect(m.forecast(12).point).toEqual(referenceForecast(y.slice(0, o), s, 12, Z95).point);
    }
  });

  it('auto with a long season forecasts the numbers it gave before the sums were kept (its walk refits the regression at every step)', () => {
    // Printed by the build before fourier-sums.ts (commit 8e42b24) for this series: the same bits now.
    const before = {
      point: [49.23131653591639, 47.58268508662417, 45.85439788445602, 44.160642064812606, 42.61040269017417, 41.28553794875765, 40.22773716193716, 39.43894523007966, 38.894992132973925, 38.56728638268013, 38.44436935467766, 38.545083787853194],
      lower: [46.567783312594, 44.91915186330178, 43.19086466113363, 41.49710884149022, 39.94686946685178, 38.62200472543526, 37.564203938614774, 36.77541200675727, 36.231458909651536, 35.90375315935774, 35.78083613135527, 35.881550564530805],
    };
    const auto = createForecaster('auto', {}, { season: 97, horizon: 12, seed: 1 }) as AutoForecaster;
    void auto.fit(seeded(420, 97, 3).slice(0, 360));
    const f = auto.forecast(12, 0.95);
    expect(auto.selected).toBe('regression');
    expect(f.point).toEqual(before.point);
    expect(f.interval?.lower).toEqual(before.lower);
  });
});
