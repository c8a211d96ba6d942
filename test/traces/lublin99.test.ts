import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBatchWorkload } from '../../src/sim/reference/workload.js';
import { generateLublin99, LUBLIN99_BATCH, LUBLIN99_INTERACTIVE, LUBLIN99_TYPELESS, lublin99Classes, lublin99DayWeights, lublin99Swf, type Lublin99Job } from '../../src/traces/lublin99.js';

/**
 * The Lublin–Feitelson model. Reference values: the 48 daily weights computed independently from
 * the generator's formula (the regularised incomplete gamma of its Gamma(anum, bnum) over
 * half-hour buckets 11…58, normalised to mean 1) by a separate implementation, to 6 decimals; the
 * distribution facts are the model's definition (fractions and means the constants imply).
 */
const TYPELESS_WEIGHTS: Record<number, number> = { 0: 0.507821, 5: 0.288779, 9: 0.175754, 10: 0.164918, 11: 0.238895, 26: 1.817444, 27: 1.833114, 40: 1.063988, 47: 0.563692 };
const BATCH_WEIGHTS: Record<number, number> = { 0: 0.546159, 9: 0.235361, 10: 0.347154, 26: 1.66594, 47: 0.593943 };
const INTERACTIVE_WEIGHTS: Record<number, number> = { 0: 0.513505, 10: 0.118694, 28: 1.880994, 47: 0.572823 };

const hourBucket = (t: number): number => Math.floor((t % 86400) / 1800);
const share = (jobs: readonly Lublin99Job[], f: (j: Lublin99Job) => boolean): number => jobs.filter(f).length / jobs.length;
const isPow2 = (n: number): boolean => n > 1 && (n & (n - 1)) === 0;

describe('lublin99DayWeights', () => {
  it.each([
    ['one-class', LUBLIN99_TYPELESS, TYPELESS_WEIGHTS],
    ['batch', LUBLIN99_BATCH, BATCH_WEIGHTS],
    ['interactive', LUBLIN99_INTERACTIVE, INTERACTIVE_WEIGHTS],
  ] as const)('%s: the daily cycle matches the independently computed table, mean 1', (_name, c, table) => {
    const w = lublin99DayWeights(c);
    expect(w).toHaveLength(48);
    for (const [b, v] of Object.entries(table)) expect(w[Number(b)]).toBeCloseTo(v, 5);
    expect(w.reduce((a, b) => a + b, 0) / 48).toBeCloseTo(1, 12);
  });
});

describe('generateLublin99', () => {
  const jobs = generateLublin99({ jobs: 40_000, nodes: 128, seed: 'facts' });

  it('draws sizes as the model defines: serial share, power-of-two share, within the machine', () => {
    expect(Math.abs(share(jobs, (j) => j.procs === 1) - LUBLIN99_TYPELESS.serialProb)).toBeLessThan(0.01);
    // Rounded sizes are powers of two (≥ 2, since uLow = 0.8 rounds to at least 1), and an unrounded
    // log2 size x lands on 2^k too when 2^x rounds to it: x in [log2(2^k − ½), log2(2^k + ½)).
    const c = lublin99Classes(128, false)[0] as typeof LUBLIN99_TYPELESS;
    const cdf = (x: number): number =>
      x <= c.uLow ? 0 : x <= c.uMed ? (c.uProb * (x - c.uLow)) / (c.uMed - c.uLow) : x >= c.uHi ? 1 : c.uProb + ((1 - c.uProb) * (x - c.uMed)) / (c.uHi - c.uMed);
    let landing = 0;
    for (let k = 1; k <= 7; k++) landing += cdf(Math.log2(2 ** k + 0.5)) - cdf(Math.log2(2 ** k - 0.5));
    const expected = c.pow2Prob + (1 - c.serialProb - c.pow2Prob) * landing;
    expect(expected).toBeCloseTo(0.621, 2);
    expect(Math.abs(share(jobs, (j) => isPow2(j.procs)) - expected)).toBeLessThan(0.01);
    expect(Math.max(...jobs.map((j) => j.procs))).toBeLessThanOrEqual(128);
    expect(Math.min(...jobs.map((j) => j.procs))).toBe(1);
    // log2 sizes of unrounded parallel jobs are uniform on [0.8, 4.5] with probability 0.86: more than half of them below 2^4.5.
    const odd = jobs.filter((j) => j.procs > 1 && !isPow2(j.procs));
    expect(share(odd, (j) => j.procs < 2 ** 4.5)).toBeGreaterThan(0.75);
  });

  it('draws run times whose log is the hyper-gamma mixture, longer for wider jobs', () => {
    // Serial jobs: p = 0.78 − 0.0054 = 0.7746; E[ln run] = p·4.2·0.94 + (1 − p)·312·0.03 = 5.168 (the
    // floor to whole seconds lowers it by a little).
    const serial = jobs.filter((j) => j.procs === 1);
    const lnSerial = serial.reduce((a, j) => a + Math.log(j.run), 0) / serial.length;
    expect(lnSerial).toBeGreaterThan(5.168 - 0.1);
    expect(lnSerial).toBeLessThan(5.168 + 0.03);
    const wide = jobs.filter((j) => j.procs >= 64);
    const lnWide = wide.reduce((a, j) => a + Math.log(j.run), 0) / wide.length;
    // p = 0.78 − 0.0054·64 ≤ 0.434: more of the long component, so a mean log above 6.9.
    expect(lnWide).toBeGreaterThan(6.9);
    expect(Math.min(...jobs.map((j) => j.run))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...jobs.map((j) => j.run))).toBeLessThanOrEqual(Math.floor(Math.exp(12)));
  });

  // The busy afternoon (buckets 24–31) against the quiet early morning (buckets 4–11): arrivals
  // counted by the half hour of the day they fall in (time 0 being `startHour`) ÷ the weights' ratio.
  const busyToQuiet = (xs: readonly Lublin99Job[], startHour: number, w: readonly number[]): number => {
    const counts = new Array<number>(48).fill(0);
    for (const j of xs) {
      const b = (hourBucket(j.submit) + 2 * startHour) % 48;
      counts[b] = (counts[b] as number) + 1;
    }
    const busy = [24, 25, 26, 27, 28, 29, 30, 31];
    const quiet = [4, 5, 6, 7, 8, 9, 10, 11];
    const sum = (bs: number[], f: (b: number) => number): number => bs.reduce((a, b) => a + f(b), 0);
    return sum(busy, (b) => counts[b] as number) / sum(quiet, (b) => counts[b] as number) / (sum(busy, (b) => w[b] as number) / sum(quiet, (b) => w[b] as number));
  };

  // Arrivals come in bursts (heavy-tailed gaps), so over 40,000 jobs this ratio wanders by about ±15 %
  // between seeds; a clock that drifts off the cycle (the published generator's truncation) gives −62 %.
  it('follows the daily cycle on the clock: arrivals per half hour of the day in proportion to its weight', () => {
    const w = lublin99DayWeights(LUBLIN99_TYPELESS);
    expect(Math.abs(busyToQuiet(jobs, 0, w) - 1)).toBeLessThan(0.2);
    // Starting at 06:00 moves the cycle by 12 buckets on the clock.
    const six = generateLublin99({ jobs: 40_000, nodes: 128, seed: 'facts', startHour: 6 });
    expect(Math.abs(busyToQuiet(six, 6, w) - 1)).toBeLessThan(0.2);
    expect(busyToQuiet(six, 0, w)).toBeLessThan(0.5);
  });

  it('numbers jobs 1..n in submit order', () => {
    expect(jobs.map((j) => j.id)).toEqual(jobs.map((_, i) => i + 1));
    for (let i = 1; i < jobs.length; i++) expect((jobs[i] as Lublin99Job).submit).toBeGreaterThanOrEqual((jobs[i - 1] as Lublin99Job).submit);
    expect(new Set(jobs.map((j) => j.queue))).toEqual(new Set([0]));
  });

  it('is a pure function of the seed', () => {
    const a = generateLublin99({ jobs: 300, nodes: 256, seed: 7 });
    expect(generateLublin99({ jobs: 300, nodes: 256, seed: 7 })).toEqual(a);
    expect(generateLublin99({ jobs: 300, nodes: 256, seed: 8 })).not.toEqual(a);
    // The first 100 jobs of a longer log are the shorter log.
    expect(generateLublin99({ jobs: 100, nodes: 256, seed: 7 })).toEqual(a.slice(0, 100));
  });

  it('scales the sizes with the machine: uHi = log2 N, uMed = uHi − 2.5', () => {
    expect(lublin99Classes(256, false)[0]).toMatchObject({ uHi: 8, uMed: 5.5, uLow: 0.8 });
    const [interactive, batch] = lublin99Classes(512, true);
    expect(batch).toMatchObject({ uHi: 9, uMed: 7 });
    expect(interactive).toMatchObject({ uHi: 7.5, uMed: 5 });
    const big = generateLublin99({ jobs: 20_000, nodes: 1024, seed: 'big' });
    const small = generateLublin99({ jobs: 20_000, nodes: 64, seed: 'big' });
    const meanWidth = (xs: readonly Lublin99Job[]): number => xs.reduce((a, j) => a + j.procs, 0) / xs.length;
    expect(meanWidth(big)).toBeGreaterThan(4 * meanWidth(small));
    expect(Math.max(...small.map((j) => j.procs))).toBeLessThanOrEqual(64);
  });

  it('with two classes, each has its own sizes and its own arrival stream', () => {
    const typed = generateLublin99({ jobs: 100_000, nodes: 128, seed: 'typed', typed: true });
    const batch = typed.filter((j) => j.queue === 1);
    const interactive = typed.filter((j) => j.queue === 0);
    expect(batch.length).toBeGreaterThan(1000);
    expect(interactive.length).toBeGreaterThan(1000);
    expect(Math.abs(share(batch, (j) => j.procs === 1) - LUBLIN99_BATCH.serialProb)).toBeLessThan(0.02);
    expect(Math.abs(share(interactive, (j) => j.procs === 1) - LUBLIN99_INTERACTIVE.serialProb)).toBeLessThan(0.02);
    // Each class's arrivals follow its own daily cycle (busy ÷ quiet weights: interactive 7.7, batch 4.4).
    const own = busyToQuiet(interactive, 0, lublin99DayWeights(LUBLIN99_INTERACTIVE));
    expect(Math.abs(own - 1)).toBeLessThan(0.25);
    expect(busyToQuiet(interactive, 0, lublin99DayWeights(LUBLIN99_BATCH))).toBeGreaterThan(1.3);
    expect(Math.abs(busyToQuiet(batch, 0, lublin99DayWeights(LUBLIN99_BATCH)) - 1)).toBeLessThan(0.25);
    // Interactive jobs stay smaller: their largest log2 size is 5.5 on 128 nodes.
    expect(Math.max(...interactive.map((j) => j.procs))).toBeLessThanOrEqual(Math.round(2 ** 5.5));
    expect(Math.max(...batch.map((j) => j.procs))).toBeGreaterThan(100);
    for (let i = 1; i < typed.length; i++) expect((typed[i] as Lublin99Job).submit).toBeGreaterThanOrEqual((typed[i - 1] as Lublin99Job).submit);
  });

  it('refuses a job count, machine or start hour out of range, naming the field', () => {
    const fieldOf = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return (e as { location?: { field?: string } }).location?.field;
      }
      return undefined;
    };
    expect(() => generateLublin99({ jobs: 0, nodes: 128, seed: 1 })).toThrow(/positive whole number of jobs, got 0/);
    expect(fieldOf(() => generateLublin99({ jobs: 0, nodes: 128, seed: 1 }))).toBe('jobs');
    // Below 10 nodes the middle of the size distribution would fall under its bottom (uMed < uLow).
    expect(() => generateLublin99({ jobs: 10, nodes: 9, seed: 1 })).toThrow(/machine of 10 to 16777216 nodes.*got 9/);
    expect(() => generateLublin99({ jobs: 10, nodes: 10, seed: 1 })).not.toThrow();
    expect(() => generateLublin99({ jobs: 10, nodes: 16, seed: 1, typed: true })).toThrow(/machine of 32 to 16777216 nodes.*got 16/);
    expect(() => generateLublin99({ jobs: 10, nodes: 12.5, seed: 1 })).toThrow(/whole number/);
    expect(() => generateLublin99({ jobs: 10, nodes: 2 ** 25, seed: 1 })).toThrow(/got 33554432/);
    expect(fieldOf(() => generateLublin99({ jobs: 10, nodes: 9, seed: 1 }))).toBe('nodes');
    expect(() => generateLublin99({ jobs: 10, nodes: 128, seed: 1, startHour: 24 })).toThrow(/start hour must be in \[0, 24\), got 24/);
    expect(fieldOf(() => generateLublin99({ jobs: 10, nodes: 128, seed: 1, startHour: -1 }))).toBe('startHour');
  });
});

describe('lublin99Swf', () => {
  it('writes an SWF log the reference reader reads back job for job', async () => {
    const opts = { jobs: 500, nodes: 256, seed: 'swf' };
    const jobs = generateLublin99(opts);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'drs-lublin-')), 'l.swf');
    writeFileSync(file, lublin99Swf(jobs, opts));
    const w = await loadBatchWorkload(file);
    expect(w.machine).toBe(256);
    expect(w.machineSource).toBe('MaxNodes');
    expect(w.dropped).toBe(0);
    expect(w.jobs.map((j) => [j.id, j.submit, j.run, j.procs, j.requested])).toEqual(jobs.map((j) => [j.id, j.submit, j.run, j.procs, j.run]));
  });
});
