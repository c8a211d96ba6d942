import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectSeason, despiked } from '../../src/predict/season.js';
import { binEvents, readSeriesCsv } from '../../src/predict/series.js';
import { aggregateEventsCsv } from '../../src/predict/event-log.js';
import { Rng } from '../../src/core/rng.js';
import { DATA_ROOT, haveData } from '../traces/helpers.js';

// Step 0 of season.ts: isolated spikes are clipped before the ACF (one burst can hold most of
// Σ x², leaving every lag's r near 0), and the raw series is asked only when that finds nothing.

/** A daily cycle (5-minute steps) under lognormal noise with heavy-tailed Pareto spikes on 2 % of the points. */
function spikyDaily(seed: number): number[] {
  const rng = new Rng(`spiky-daily-${seed}`);
  let level = 0;
  return Array.from({ length: 288 * 8 }, (_, t) => {
    level += 0.01 * rng.normal();
    const base = 10 * Math.exp(level + 0.8 * Math.sin((2 * Math.PI * t) / 288)) * rng.lognormal(0, 0.5);
    return base + (rng.bernoulli(0.02) ? rng.pareto(50, 1.1) : 0);
  });
}

/** The same noise and spikes on a wandering level, no cycle. */
function spikyWalk(seed: number): number[] {
  const rng = new Rng(`spiky-walk-${seed}`);
  let x = 0;
  return Array.from({ length: 2000 }, () => {
    x += 0.05 * rng.normal();
    return Math.exp(x) * rng.lognormal(0, 0.5) + (rng.bernoulli(0.02) ? rng.pareto(5, 1.2) : 0);
  });
}

const seeds = Array.from({ length: 20 }, (_, i) => i + 1);

describe('season detection: spikes (step 0)', () => {
  it('finds the daily cycle under heavy-tailed spikes, where the raw ACF found none or a wrong one', () => {
    const raw = seeds.map((s) => detectSeason(spikyDaily(s), { stepSeconds: 300, despike: false }));
    const now = seeds.map((s) => detectSeason(spikyDaily(s), { stepSeconds: 300 }));
    expect(raw.filter((p) => p === 288).length).toBeLessThanOrEqual(2);
    expect(raw.filter((p) => p !== undefined && Math.abs(p - 288) > 9).length).toBeGreaterThanOrEqual(8); // spikes made up periods
    expect(now.filter((p) => p === 288).length).toBeGreaterThanOrEqual(18);
    expect(now.every((p) => p !== undefined && Math.abs(p - 288) <= 0.05 * 288)).toBe(true);
  });

  it('invents no more seasons on spiky walks than the raw rule', () => {
    const found = (o: { despike?: boolean }): number => seeds.filter((s) => detectSeason(spikyWalk(s), o) !== undefined).length;
    expect(found({})).toBeLessThanOrEqual(found({ despike: false }));
  });

  it('clips only what sticks out: a smooth series is left alone, a spike is cut to 5 median distances', () => {
    const smooth = Array.from({ length: 200 }, (_, t) => Math.sin(t / 10));
    expect(despiked(smooth, 3, 5)).toBeUndefined();
    const rng = new Rng('clip');
    const y = Array.from({ length: 200 }, () => 10 + rng.normal());
    y[100] = 1000;
    const out = despiked(y, 3, 5) as number[];
    expect(out[100]).toBeLessThan(20);
    expect(out[100]).toBeGreaterThan(11);
    expect(out.filter((v, i) => v !== y[i]).length).toBeLessThanOrEqual(3);
  });
});

describe('season detection: spikes on real data', () => {
  const genai = 'timeseries/genai/qps.csv.gz';
  it.skipIf(!haveData(genai))('GenAI per minute keeps its spike every 19 steps: the raw series is asked when the clipped one has none', async () => {
    const { values } = await aggregateEventsCsv(path.join(DATA_ROOT, genai), { step: 60, how: 'sum' });
    const head = values.slice(0, Math.floor(0.8 * values.length));
    expect(detectSeason(despiked(head, 3, 5) as number[], { stepSeconds: 60, despike: false })).toBeUndefined();
    expect(detectSeason(head, { stepSeconds: 60 })).toBe(19);
  });

  const cpu = 'timeseries/nab/ec2_cpu_utilization_5f5533.csv';
  it.skipIf(!haveData(cpu))('a calendar period found on the raw series beats another lag found on the despiked one', async () => {
    // auto-score's protocol: the last 2,000 points, 240 held out. Despiked the ACF's pick is 10
    // steps; raw it is 12, one hour, and auto's MAE is 0.49 with 12 against 0.71 with 10.
    const { values } = await readSeriesCsv(path.join(DATA_ROOT, cpu));
    const head = values.slice(-2000, -240);
    expect(detectSeason(despiked(head, 3, 5) as number[], { stepSeconds: 300, despike: false })).toBe(10);
    expect(detectSeason(head, { stepSeconds: 300, despike: false })).toBe(12);
    expect(detectSeason(head, { stepSeconds: 300 })).toBe(12);
  });

  const rel = 'swf/SDSC-SP2-1998-4.2-cln.swf.gz';
  it.skipIf(!haveData(rel))('SDSC-SP2 job submissions per hour: the daily cycle (24), which the raw ACF missed', () => {
    const lines = gunzipSync(readFileSync(path.join(DATA_ROOT, rel))).toString('utf8').split('\n');
    const times = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith(';')).map((l) => ({ time: Number(l.trim().split(/\s+/)[1]) }));
    const { values } = binEvents(times, 3600, 'count');
    const head = values.slice(0, Math.floor(0.8 * values.length));
    expect(detectSeason(head, { stepSeconds: 3600, despike: false })).toBeUndefined();
    expect(detectSeason(head, { stepSeconds: 3600 })).toBe(24);
  });
});
