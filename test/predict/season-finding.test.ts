import { describe, expect, it } from 'vitest';
import { detectSeason, despiked, findSeason } from '../../src/predict/season.js';
import { Rng } from '../../src/core/rng.js';
import { howFound } from '../../src/cli/forecast.js';

// findSeason says how detectSeason came to its season, so that drs forecast names each lag with
// the series (raw, or spike-clipped) it is a peak of. Its account must agree with detection run
// on that series alone (despike: false), with and without the step (rule 5's calendar periods).

/** A 10-step wave and a spike of 100 every 12 steps (an hour of 5-minute steps), 480 points. */
function hourlySpikes(): number[] {
  const rng = new Rng(7);
  return Array.from({ length: 480 }, (_, t) => Number((50 + 10 * Math.sin((2 * Math.PI * t) / 10) + (t % 12 === 0 ? 100 : 0) + rng.normal(0, 1)).toFixed(3)));
}

/** A daily cycle of 5-minute steps under noise, 3.2 days: its ACF peaks a few steps off 288. */
function noisyDay(): number[] {
  const rng = new Rng(1);
  return Array.from({ length: 921 }, (_, t) => Number((35 + 25 * Math.sin((2 * Math.PI * t) / 288) + rng.normal(0, 3)).toFixed(3)));
}

/** Seeded series of several kinds, spiky or not, with and without a cycle. */
function corpus(): number[][] {
  const out: number[][] = [hourlySpikes(), noisyDay()];
  for (let seed = 1; seed <= 12; seed++) {
    const rng = new Rng(`finding-${seed}`);
    const period = [12, 24, 36, 100, 288][seed % 5] as number;
    const spikes = seed % 3 === 0 ? 0 : 0.02 * seed;
    out.push(Array.from({ length: 1200 }, (_, t) => 20 + (seed % 4 === 0 ? 0 : 5 * Math.sin((2 * Math.PI * t) / period)) + rng.normal(0, 2) + (rng.bernoulli(spikes) ? rng.pareto(40, 1.2) : 0)));
  }
  return out;
}

describe('findSeason: which series each lag was found on', () => {
  it('the raw series\' hour beats the clipped series\' lag: both are named, by hand', () => {
    // Raw: the spikes hold most of Σ x², the ACF peaks at 12. Clipped: the wave dominates, 60 (5 waves, 5 spikes).
    expect(findSeason(hourlySpikes(), { stepSeconds: 300 })).toEqual({ season: 12, peak: 12, clipped: false, clippedLag: 60 });
    // Without the step no calendar period can win: the clipped series' own peak.
    expect(findSeason(hourlySpikes())).toEqual({ season: 60, peak: 60, clipped: true });
  });

  it('a day snapped from the clipped series\' peak names that peak and that series', () => {
    const f = findSeason(noisyDay(), { stepSeconds: 300 });
    expect(f).toEqual({ season: 288, peak: 284, clipped: true });
  });

  it('agrees with detection run on the series it names, on every series of a seeded corpus', () => {
    let clippedSeen = 0;
    let rawSeen = 0;
    for (const y of corpus()) {
      for (const stepSeconds of [300, undefined]) {
        const opts = stepSeconds === undefined ? {} : { stepSeconds };
        const f = findSeason(y, opts);
        expect(f?.season).toBe(detectSeason(y, opts));
        if (f === undefined) continue;
        const clipped = despiked(y, 3, 5);
        const on = f.clipped ? (clipped as number[]) : y;
        if (f.clipped) clippedSeen++;
        else rawSeen++;
        expect(detectSeason(on, { ...opts, despike: false })).toBe(f.season);
        expect(detectSeason(on, { despike: false })).toBe(f.peak); // the ACF's own choice, no calendar rule
        if (f.clippedLag !== undefined) expect(detectSeason(clipped as number[], { despike: false })).toBe(f.clippedLag);
      }
    }
    expect([clippedSeen > 0, rawSeen > 0]).toEqual([true, true]);
  });
});

describe('drs forecast: the words for each way a season is found', () => {
  it('names each lag with its series', () => {
    expect(howFound({ season: 288, peak: 288, clipped: true })).toBe('');
    expect(howFound({ season: 288, peak: 285, clipped: false })).toBe(', the calendar period next to the autocorrelation peak at 285 steps');
    expect(howFound({ season: 288, peak: 285, clipped: true })).toBe(', the calendar period next to the autocorrelation peak at 285 steps of the series with its spikes clipped');
    expect(howFound({ season: 12, peak: 12, clipped: false, clippedLag: 60 })).toBe(", the raw series' autocorrelation peak; with its spikes clipped the series peaks at 60 steps, not a calendar period");
    expect(howFound({ season: 288, peak: 285, clipped: false, clippedLag: 250 })).toBe(", the calendar period next to the raw series' autocorrelation peak at 285 steps; with its spikes clipped the series peaks at 250 steps, not a calendar period");
  });
});
