/*
 * The smoothing engine against recursions worked by hand (the error-correction forms of Hyndman et
 * al. 2008, which statsmodels' Holt / ExponentialSmoothing use in their component form), with every
 * parameter fixed so that no optimiser is involved.
 */
import { describe, expect, it } from 'vitest';
import { createHolt } from '../../src/predict/holt.js';
import { HoltWintersForecaster } from '../../src/predict/holt-winters.js';
import { Z95 } from '../../src/predict/types.js';

describe("damped Holt (Gardner & McKenzie), α = β = 0.5, φ = 0.9, on 1, 2, 4", () => {
  it('states, forecasts and the class-1 interval', () => {
    // b₀ = (y₂ − y₀)/2 = 1.5, l₀ = y₀ − b₀ = −0.5. Each step: p = l + φb, e = y − p, l' = p + αe,
    // b' = β(l' − l) + (1 − β)φb:
    //   y = 1: p 0.85,        e 0.15,        l 0.925,        b 1.3875
    //   y = 2: p 2.17375,     e −0.17375,    l 2.086875,     b 1.2053125
    //   y = 4: p 3.17165625,  e 0.82834375,  l 3.585828125,  b 1.2918671875
    // ŷ₁ = l + φb = 4.74850859375, ŷ₂ = l + (φ + φ²)b = 5.794921015625.
    const m = createHolt({ alpha: 0.5, beta: 0.5, phi: 0.9 });
    m.fit([1, 2, 4]);
    const f = m.forecast(2);
    expect(f.point[0]).toBeCloseTo(4.74850859375, 12);
    expect(f.point[1]).toBeCloseTo(5.794921015625, 12);
    // σ² = SSE / n = (0.15² + 0.17375² + 0.82834375²) / 3; c₁ = α(1 + βφ) = 0.725.
    const sigma = Math.sqrt((0.15 ** 2 + 0.17375 ** 2 + 0.82834375 ** 2) / 3);
    expect((f.interval?.upper[0] as number) - (f.point[0] as number)).toBeCloseTo(Z95 * sigma, 12);
    expect((f.interval?.upper[1] as number) - (f.point[1] as number)).toBeCloseTo(Z95 * sigma * Math.sqrt(1 + 0.725 ** 2), 12);
  });
});

describe('additive Holt-Winters without trend, m = 2, α = γ = 0.5, on 1, 3, 2, 4', () => {
  it('seasonal states by phase, forecasts past one season, c_j = α + γ·[m | j]', () => {
    // Initial: season means 2 and 3, no trend: l₀ = 2; s = mean of y − l₀ by phase (−0.5, 1.5),
    // normalised to sum 0: (−1, 1). Each step: e = y − l − s, l' = l + αe, s' = s + γe:
    //   y = 1: e 0 · y = 3: e 0 · y = 2: e 1, l 2.5, s₀ −0.5 · y = 4: e 0.5, l 2.75, s₁ 1.25
    // ŷ = l + s by phase: 2.25, 4, 2.25, 4 (the same phases one season later).
    const m = new HoltWintersForecaster({ season: 2, seasonal: 'additive', trend: 'none', alpha: 0.5, gamma: 0.5, guard: false });
    m.fit([1, 3, 2, 4]);
    const f = m.forecast(4);
    [2.25, 4, 2.25, 4].forEach((v, i) => expect(f.point[i]).toBeCloseTo(v, 12));
    // σ² = (0 + 0 + 1 + 0.25) / 4; variance factors 1, 1 + α², 1 + α² + (α + γ)², + α².
    const sigma = Math.sqrt(1.25 / 4);
    const half = f.interval?.upper.map((u, i) => u - (f.point[i] as number)) ?? [];
    [1, 1.25, 2.25, 2.5].forEach((v, i) => expect(half[i]).toBeCloseTo(Z95 * sigma * Math.sqrt(v), 12));
  });
});
