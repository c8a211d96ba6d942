/*
 * Theta seasonally adjusts only when the series is seasonal at the given period: the 90 % test on
 * the lag-m autocorrelation of forecast::thetaf (Hyndman & Billah 2003; Assimakopoulos &
 * Nikolopoulos 2000), |r_m| > 1.645 · √((1 + 2 Σ_{k<m} r_k²) / n). It decomposed whenever a season
 * was given: on a series with no season that only adds the noise of m estimated indices.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { ThetaForecaster, seasonalityTest } from '../../src/predict/theta.js';

const Z90 = 1.6448536269514722;

function meanAbsError(make: () => ThetaForecaster, series: (rng: Rng) => number[], runs: number, n: number, h: number): number {
  let sum = 0;
  for (let s = 0; s < runs; s++) {
    const y = series(new Rng(`theta-${s}`));
    const m = make();
    m.fit(y.slice(0, n));
    const p = m.forecast(h).point;
    for (let i = 0; i < h; i++) sum += Math.abs((p[i] as number) - (y[n + i] as number)) / (h * runs);
  }
  return sum;
}

describe('theta: seasonal adjustment only when a seasonality test passes', () => {
  it('the test statistic on an alternating series (worked by hand)', () => {
    // 1 3 1 3 …, m = 2: deviations ±1 from the mean 2, Σ d² = n; r_1 = −(n − 1)/n, r_2 = (n − 2)/n.
    // n = 40: r_2 = 0.95, limit = 1.645 · √((1 + 2 · 0.975²) / 40) = 0.443 → seasonal.
    const long = seasonalityTest(Array.from({ length: 40 }, (_, t) => (t % 2 === 0 ? 1 : 3)), 2);
    expect(long.r).toBeCloseTo(0.95, 12);
    expect(long.limit).toBeCloseTo(Z90 * Math.sqrt((1 + 2 * 0.975 ** 2) / 40), 12);
    expect(long.seasonal).toBe(true);
    // n = 8: r_2 = 0.75 but r_1 = −0.875 widens the limit to 1.645 · √((1 + 2 · 0.875²) / 8) = 0.925.
    const short = seasonalityTest([1, 3, 1, 3, 1, 3, 1, 3], 2);
    expect(short.r).toBeCloseTo(0.75, 12);
    expect(short.limit).toBeCloseTo(Z90 * 0.5625, 12);
    expect(short.seasonal).toBe(false);
    // A constant series has no autocorrelation to test: not seasonal.
    expect(seasonalityTest(new Array<number>(30).fill(7), 5).seasonal).toBe(false);
  });

  it('a series without a season is forecast as without one, and says so', () => {
    const rng = new Rng('flat');
    const y = Array.from({ length: 120 }, () => 100 + rng.normal(0, 5));
    const given = new ThetaForecaster(12);
    given.fit(y);
    const none = new ThetaForecaster();
    none.fit(y);
    expect(given.forecast(24).point).toEqual(none.forecast(24).point);
    expect(given.selected).toMatch(/^non-seasonal/);
  });

  it('a seasonal series is still adjusted, and says so', () => {
    const rng = new Rng('wave');
    const y = Array.from({ length: 120 }, (_, t) => 100 + 5 * Math.sin((2 * Math.PI * t) / 12) + rng.normal(0, 5));
    const m = new ThetaForecaster(12);
    m.fit(y);
    expect(m.selected).toMatch(/^seasonal \(multiplicative/);
  });

  it('with a season given, white noise and AR(1) are forecast as well as by non-seasonal theta; a seasonal series better', () => {
    // 200 series of 120 points each, 12 steps ahead, season 12; MAE with the test (decomposing
    // always) vs non-seasonal theta: noise 4.15 (4.34) vs 4.15, AR(1) 4.13 (4.23) vs 4.12. The
    // sine of amplitude 5 under noise of sd 5 tests seasonal in 168 of 200: 4.53 (4.35) vs 5.34.
    const noise = (rng: Rng): number[] => Array.from({ length: 132 }, () => 100 + rng.normal(0, 5));
    const ar1 = (rng: Rng): number[] => {
      let e = 0;
      return Array.from({ length: 132 }, () => 100 + (e = 0.7 * e + rng.normal(0, 3)));
    };
    const wave = (rng: Rng): number[] => Array.from({ length: 132 }, (_, t) => 100 + 5 * Math.sin((2 * Math.PI * t) / 12) + rng.normal(0, 5));
    for (const [series, most] of [[noise, 1.01], [ar1, 1.01], [wave, 0.9]] as const) {
      const seasonal = meanAbsError(() => new ThetaForecaster(12), series, 200, 120, 12);
      const plain = meanAbsError(() => new ThetaForecaster(), series, 200, 120, 12);
      expect(seasonal).toBeLessThan(most * plain);
    }
  });
});
