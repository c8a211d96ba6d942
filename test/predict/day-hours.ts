import { Rng } from '../../src/core/rng.js';

/**
 * A series with long interpolated gaps, for the forecasters' gap tests: hourly values observed
 * 09:00-16:00 (8 a day, 60 days: a day shape under N(0, 2²) noise), the 16 night hours filled by
 * straight lines as series.ts fills a gap. `filled` lists the filled spans as [first index, length].
 */
export function dayHours(seed: string): { y: number[]; filled: [number, number][] } {
  const rng = new Rng(seed);
  const obs: [number, number][] = [];
  for (let d = 0; d < 60; d++) for (let h = 9; h <= 16; h++) obs.push([d * 24 + h, 50 + 10 * Math.sin((2 * Math.PI * (h - 9)) / 16) + rng.normal(0, 2)]);
  const y: number[] = [];
  const filled: [number, number][] = [];
  obs.forEach(([t, v], i) => {
    const prev = obs[i - 1];
    if (prev !== undefined && t - prev[0] > 1) {
      const k = t - prev[0];
      filled.push([y.length, k - 1]);
      for (let j = 1; j < k; j++) y.push(prev[1] + ((v - prev[1]) * j) / k);
    }
    y.push(v);
  });
  return { y, filled };
}
