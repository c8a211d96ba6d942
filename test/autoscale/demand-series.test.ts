import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { readDemandSeries } from '../../src/traces/demand-series.js';
import { logGamma, poisson } from '../../src/traces/poisson.js';
import { openTrace } from '../../src/traces/registry.js';

const space = new ResourceSpace(['cpu', 'memory']);
const dir = mkdtempSync(path.join(tmpdir(), 'drs-demand-'));
const write = (name: string, text: string): string => {
  const f = path.join(dir, name);
  writeFileSync(f, name.endsWith('.gz') ? gzipSync(text) : text);
  return f;
};
const profiles = [{ name: 'job', demand: { cpu: 2, memory: 4 }, duration: { dist: 'fixed', value: 60 } }];
const open = (spec: Record<string, unknown>, seed: number | string = 1) => openTrace({ kind: 'demand-series', profiles, ...spec }, { space, dataRoot: dir, seed });
async function all(s: AsyncIterable<Request>): Promise<Request[]> {
  const out: Request[] = [];
  for await (const r of s) out.push(r);
  return out;
}
/** A regular series: `n` samples, `step` seconds apart from 2024-01-01 00:00 UTC. */
function series(values: readonly number[], step = 1800): string {
  const t0 = Date.UTC(2024, 0, 1) / 1000;
  return ['timestamp,value', ...values.map((v, i) => `${new Date((t0 + i * step) * 1000).toISOString().replace('T', ' ').slice(0, 19)},${v}`)].join('\n');
}

describe('poisson draws', () => {
  it.each([0.7, 3.5, 40, 1000])('mean %d: sample mean and variance agree with Poisson', (mean) => {
    const rng = new Rng(`p${mean}`);
    const n = 20_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const k = poisson(rng, mean);
      expect(Number.isInteger(k) && k >= 0).toBe(true);
      s += k;
      s2 += k * k;
    }
    const m = s / n;
    const v = s2 / n - m * m;
    // 4 standard errors of the mean; the variance within 6 %
    expect(Math.abs(m - mean)).toBeLessThan(4 * Math.sqrt(mean / n));
    expect(v / mean).toBeGreaterThan(0.94);
    expect(v / mean).toBeLessThan(1.06);
  });

  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe('demand-series trace', () => {
  const flat = write('flat.csv', series(new Array<number>(200).fill(50)));

  it('draws a Poisson count per sample, arrivals uniform inside the (compressed) interval, sorted', async () => {
    const reqs = await all(open({ file: flat, scale: 1, timeScale: 1 / 6 }));
    // Σ mean = 200 × 50 = 10,000, sd 100
    expect(Math.abs(reqs.length - 10_000)).toBeLessThan(400);
    const perSample = new Array<number>(200).fill(0);
    let last = -1;
    for (const r of reqs) {
      expect(r.arrival).toBeGreaterThanOrEqual(last);
      last = r.arrival;
      const i = Math.floor(r.arrival / 300); // 1800 s × 1/6 = 300 s per sample
      perSample[i] = (perSample[i] as number) + 1;
    }
    expect(last).toBeLessThan(200 * 300);
    const mean = reqs.length / 200;
    const variance = perSample.reduce((a, c) => a + (c - mean) ** 2, 0) / 199;
    expect(variance / mean).toBeGreaterThan(0.7); // dispersion index of a Poisson count: 1
    expect(variance / mean).toBeLessThan(1.3);
    expect(reqs[0]).toMatchObject({ id: 'dem-0', demand: [2, 4], duration: 60, priority: 'medium', tenant: 'default' });
  });

  it('is deterministic per seed and replays identically', async () => {
    const a = open({ file: flat, scale: 0.2 }, 7);
    const first = await all(a);
    expect(await all(a)).toEqual(first);
    expect(await all(open({ file: flat, scale: 0.2 }, 7))).toEqual(first);
    const other = await all(open({ file: flat, scale: 0.2 }, 8));
    expect(other.map((r) => r.arrival)).not.toEqual(first.map((r) => r.arrival));
    // changing the bodies does not move the arrivals
    const longer = await all(openTrace({ kind: 'demand-series', file: flat, scale: 0.2, profiles: [{ name: 'x', demand: { cpu: 1 }, duration: { dist: 'exponential', mean: 30 } }] }, { space, dataRoot: dir, seed: 7 }));
    expect(longer.map((r) => r.arrival)).toEqual(first.map((r) => r.arrival));
  });

  it('follows the series: counts scale with the values', async () => {
    const f = write('steps.csv', series([...new Array<number>(50).fill(10), ...new Array<number>(50).fill(100)], 60));
    const reqs = await all(open({ file: f, scale: 1 }));
    const low = reqs.filter((r) => r.arrival < 3000).length;
    const high = reqs.length - low;
    expect(Math.abs(low - 500)).toBeLessThan(4 * Math.sqrt(500));
    expect(Math.abs(high - 5000)).toBeLessThan(4 * Math.sqrt(5000));
  });

  it('a sample asking for more than 1e7 requests is an error naming its line (a unit slip crashed Node out of memory)', async () => {
    const f = write('huge.csv', series([3, 1e12, 3], 300));
    const e = await all(open({ file: f, scale: 1 })).catch((x: unknown) => x);
    expect((e as Error).message).toContain(`${f}:3, field 'value': value 1000000000000 × scale 1 asks for about 1.00e+12 requests in one sample (at most 1e+7); lower 'scale' or check the value's unit`);
    expect((await all(open({ file: f, scale: 1e-8 }))).length).toBeGreaterThan(9_000); // the same value at a sane scale
  }, 60_000);

  it('a window asking for more than 1e8 requests in all is refused before the first request, naming trace.scale and the sample', async () => {
    // 5 small samples, then samples of 9e6 each (under the per-sample cap); the 12th of those takes the sum past 1e8.
    const f = write('big.csv', series([...new Array<number>(5).fill(100), ...new Array<number>(20).fill(9e6)], 60));
    const first = await open({ file: f, scale: 1 })[Symbol.asyncIterator]().next().catch((x: unknown) => x);
    expect((first as Error).message).toBe(
      `field 'trace.scale': the series × scale 1 asks for about 1.08e+8 requests by ${f}:18, more than the 1e8 a run can hold (each is generated and kept in memory for the metrics); lower 'scale', shorten 'length' or cap the count with 'limit'`,
    );
    // What the run can read is what counts: a limit, a shorter window, or a horizon before the big samples.
    const first10 = async (spec: Record<string, unknown>, horizon?: number) => {
      const out: Request[] = [];
      for await (const r of openTrace({ kind: 'demand-series', profiles, file: f, scale: 1, ...spec }, { space, dataRoot: dir, seed: 1, ...(horizon !== undefined ? { horizon } : {}) })) {
        out.push(r);
        if (out.length === 10) break;
      }
      return out.length;
    };
    expect(await first10({ limit: 10 })).toBe(10);
    expect(await first10({ length: 5 })).toBe(10);
    expect(await first10({}, 4 * 60)).toBe(10);
    expect(((await first10({}, 16 * 60).catch((x: unknown) => x)) as Error).message).toContain(`by ${f}:18,`);
  });

  it('chooses a window by index or timestamp and length by samples or time; sampleSeconds sets Δ', async () => {
    const f = write('ramp.csv', series(Array.from({ length: 48 }, (_, i) => i)));
    const byIndex = await all(open({ file: f, scale: 1, start: 10, length: 4, sampleSeconds: 60 }));
    // samples 10..13 → means 10+11+12+13 = 46, arrivals within 4 × 60 s
    expect(byIndex.every((r) => r.arrival < 240)).toBe(true);
    expect(Math.abs(byIndex.length - 46)).toBeLessThan(4 * Math.sqrt(46));
    const stream = open({ file: f, scale: 1, start: '2024-01-01 05:00:00', length: '2h' });
    const byTime = await all(stream);
    expect(byTime.every((r) => r.arrival < 7200)).toBe(true); // samples 10..13 again (30-minute step)
    expect(stream.stats).toMatchObject({ records: 14, skipped: { 'before-window': 10 } });
  });

  it('interpolates short gaps and counts them', async () => {
    const text = ['timestamp,value', '2024-01-01 00:00:00,10', '2024-01-01 00:30:00,20', '2024-01-01 02:00:00,50', '2024-01-01 02:30:00,60'].join('\n');
    const f = write('gap.csv', text);
    const got: number[] = [];
    const adjusted: string[] = [];
    for await (const s of readDemandSeries(f, {}, (r) => adjusted.push(r))) got.push(s.value);
    expect(got).toEqual([10, 20, 30, 40, 50, 60]);
    expect(adjusted).toEqual(['gap-interpolated', 'gap-interpolated']);
    const stream = open({ file: f, scale: 1 });
    await all(stream);
    expect(stream.stats.adjusted).toEqual({ 'gap-interpolated': 2 });
  });

  it('aggregates an unsorted event log into bins, with a row filter (gzip)', async () => {
    const rows = ['t,qps,kind', '125,1,a', '5,2,a', '61,4,a', '62,8,b', '10,16,a', '300,32,a'];
    const f = write('events.csv.gz', rows.join('\n'));
    const values: number[] = [];
    for await (const s of readDemandSeries(f, { timeColumn: 't', valueColumn: 'qps', aggregate: { step: 60, how: 'sum' }, where: { kind: 'a' } })) values.push(s.value);
    // bins 0: 2 + 16, 1: 4, 2: 1, 3: (empty) 0, 4: (empty) 0, 5: 32
    expect(values).toEqual([18, 4, 1, 0, 0, 32]);
    const means: number[] = [];
    for await (const s of readDemandSeries(f, { timeColumn: 't', valueColumn: 'qps', aggregate: { step: 60, how: 'mean' }, where: { kind: 'a' } })) means.push(s.value);
    // empty mean bins are interpolated between 1 and 32
    [9, 4, 1, 1 + 31 / 3, 1 + 62 / 3, 32].forEach((v, i) => expect(means[i]).toBeCloseTo(v, 9));
  });

  it("counts a request log that has no value column (the Azure LLM trace's TIMESTAMP,ContextTokens,GeneratedTokens)", async () => {
    // `how: count` reads no value, yet a missing 'value' column refused it (field 'value', line 1).
    const log = ['TIMESTAMP,ContextTokens,GeneratedTokens', '2024-05-10 00:00:00.009930+00:00,374,44', '2024-05-10 00:00:59.5+00:00,396,0', '2024-05-10 00:02:03.25,879,12'];
    const f = write('azure-like.csv', log.join('\r\n'));
    const counts: number[] = [];
    for await (const s of readDemandSeries(f, { timeColumn: 'TIMESTAMP', aggregate: { step: 60, how: 'count' } })) counts.push(s.value);
    expect(counts).toEqual([2, 0, 1]);
    // A value column named with `count` is still read and checked; sum still needs one.
    await expect(all(open({ file: f, timeColumn: 'TIMESTAMP', valueColumn: 'tokens', aggregate: { step: 60, how: 'count' }, scale: 1 }))).rejects.toThrow("missing column 'tokens'");
    await expect(all(open({ file: f, timeColumn: 'TIMESTAMP', aggregate: { step: 60, how: 'sum' }, scale: 1 }))).rejects.toThrow(`${f}:1, field 'value': missing column 'value'`);
    expect((await all(open({ file: f, timeColumn: 'TIMESTAMP', aggregate: { step: 60, how: 'count' }, scale: 20 }))).length).toBeGreaterThan(0);
  });

  it('aggregates 200,000 events (no spread of the bin keys onto the call stack)', async () => {
    const rows = ['t,qps', ...Array.from({ length: 200_000 }, (_, i) => `${i},1`)];
    const f = write('many-events.csv', rows.join('\n'));
    let n = 0;
    let sum = 0;
    for await (const s of readDemandSeries(f, { timeColumn: 't', valueColumn: 'qps', aggregate: { step: 1, how: 'sum' } })) {
      n++;
      sum += s.value;
    }
    expect([n, sum]).toEqual([200_000, 200_000]);
  });

  it('refuses more than maxGap empty mean bins in a row, naming the events around them', async () => {
    const f = write('gappy-events.csv', ['t,qps', '0,1', '30,3', '250,5', '260,7'].join('\n'));
    const read = async (maxGap: number): Promise<number[]> => {
      const out: number[] = [];
      for await (const s of readDemandSeries(f, { timeColumn: 't', valueColumn: 'qps', maxGap, aggregate: { step: 60, how: 'mean' } })) out.push(s.value);
      return out;
    };
    // bins 0: 2 (mean of 1, 3), 1-3: empty, 4: 6 (mean of 5, 7)
    expect(await read(3)).toEqual([2, 3, 4, 5, 6]);
    await expect(read(2)).rejects.toThrow(`${f}:5, field 't': no events for 3 consecutive bins of 60 s (after line 3, before line 5); at most maxGap 2 empty bins are interpolated for 'mean'`);
  });

  it('refuses an event log whose timestamps span more than 1e7 bins, naming both lines', async () => {
    const f = write('far-events.csv', ['t,qps', '1700000000,1', '1700000001,1', '99999999999,1', '1700000002,1'].join('\n'));
    const read = async () => {
      for await (const _ of readDemandSeries(f, { timeColumn: 't', valueColumn: 'qps', aggregate: { step: 1, how: 'sum' } }));
    };
    await expect(read()).rejects.toThrow(`${f}:4, field 't': the rows span 9.83e+10 bins of 1 s (earliest on line 2, latest on line 4); at most 1e+7: check the timestamps of lines 2 and 4, or aggregate by a larger step`);
  });

  describe('bad input errors name file:line and field', () => {
    let files = 0;
    const expectError = async (text: string, re: RegExp, spec: Record<string, unknown> = {}) => {
      const f = write(`bad-${files++}.csv`, text);
      await expect(all(open({ file: f, scale: 1, ...spec }))).rejects.toThrow(re);
    };
    it('non-numeric value', () => expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,lots\n', /\.csv:3, field 'value': 'lots' is not a number/));
    it('negative value', () => expectError('timestamp,value\n2024-01-01 00:00:00,-1\n', /\.csv:2, field 'value': -1 is negative/));
    it('bad timestamp', () => expectError('timestamp,value\nyesterday,1\n', /\.csv:2, field 'timestamp': 'yesterday' is not a number or an ISO date/));
    it('duplicate timestamp', () => expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,1\n2024-01-01 00:30:00,2\n', /\.csv:4, field 'timestamp': duplicate timestamp '2024-01-01 00:30:00' \(also on line 3\); keep one row per sample, or use 'aggregate'/));
    it('unsorted', () => expectError('timestamp,value\n2024-01-01 00:30:00,1\n2024-01-01 00:00:00,1\n', /\.csv:3, field 'timestamp': timestamp '2024-01-01 00:00:00' is earlier than '2024-01-01 00:30:00' on line 2/));
    it('irregular sampling', () => expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,1\n2024-01-01 00:45:00,1\n', /\.csv:4, field 'timestamp': irregular sampling: 900 s after line 3, the step is 1800 s; it is the first spacing, lines 2-3: if that spacing is a gap, set 'step'/));
    it('irregular sampling against a step the config gives: no hint about the first spacing', () =>
      expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,1\n2024-01-01 00:45:00,1\n', /\.csv:4, field 'timestamp': irregular sampling: 900 s after line 3, the step is 1800 s \(use 'aggregate'/, { step: 1800 }));
    // Read as seconds, epoch milliseconds made the step 1,800,000 s: 'length: 2d' held one sample and the run went on silently.
    it('epoch milliseconds', () => expectError('timestamp,value\n1704067200000,1\n1704069000000,1\n', /\.csv:2, field 'timestamp': timestamp 1704067200000 read as epoch seconds is after the year 5000: it looks like epoch milliseconds/));
    it('epoch milliseconds in an event log too', () => expectError('timestamp,value\n1704067200000,1\n', /\.csv:2, field 'timestamp': .* looks like epoch milliseconds/, { aggregate: { step: 60, how: 'sum' } }));
    it('gap longer than maxGap', () => expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,1\n2024-01-01 05:00:00,1\n', /\.csv:4, field 'timestamp': gap of 8 missing samples of 1800 s between '2024-01-01 00:30:00' \(line 3\) and '2024-01-01 05:00:00'; at most maxGap 3 are interpolated: raise 'maxGap' to 8 to fill it with a straight line, or use 'aggregate'/, { maxGap: 3 }));
    it('a row wider or narrower than the header', async () => {
      await expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,1,7\n', /\.csv:3: 3 cells, but the header has 2 columns \(extra '7'/);
      await expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00\n', /\.csv:3: 1 cells, but the header has 2 columns \(no value/);
    });
    it('missing column', () => expectError('time,v\n1,2\n', /\.csv:1, field 'timestamp': missing column 'timestamp'.*header has: time, v/));
    it('empty file', () => expectError('', /empty file/));
    it('start past the end', () => expectError('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,1\n', /start index 5 is past the end/, { start: 5 }));
  });

  it('rejects bad options with the field', () => {
    expect(() => open({ file: flat })).toThrow(/trace\.scale/);
    expect(() => open({ file: flat, scale: 1, timeScale: 0.5, sampleSeconds: 60 })).toThrow(/trace\.sampleSeconds/);
    expect(() => open({ file: flat, scale: 1, length: 'forever' })).toThrow(/trace\.length/);
    expect(() => openTrace({ kind: 'demand-series', file: flat, scale: 1 }, { space, dataRoot: dir })).toThrow(/trace\.profiles/);
    expect(() => openTrace({ kind: 'demand-series', file: flat, scale: 1, profiles: [{ name: 'x', demand: { tpu: 1 } }] }, { space, dataRoot: dir })).toThrow(/unknown resource dimension 'tpu'/);
  });
});

const DATA = process.env.DRS_DATA_DIR ?? path.resolve('../shared/data');
const TAXI = path.join(DATA, 'timeseries/nab/nyc_taxi.csv');
const GENAI = path.join(DATA, 'timeseries/genai/qps.csv.gz');
const haveData = existsSync(TAXI) && existsSync(GENAI);
if (!haveData) console.log(`skipping real-data demand-series tests: ${TAXI} or ${GENAI} not found (set DRS_DATA_DIR)`);

describe.skipIf(!haveData)('demand-series on the real series', () => {
  it('reads the NYC taxi series: 10,320 half-hour samples, no gaps', async () => {
    let n = 0;
    let step = 0;
    let sum = 0;
    for await (const s of readDemandSeries(TAXI, {})) {
      n++;
      step = s.step;
      sum += s.value;
    }
    expect(n).toBe(10_320);
    expect(step).toBe(1800);
    expect(sum / n).toBeCloseTo(15137.57, 1);
  });

  it('turns a week of it into requests within Poisson tolerance of Σ value × scale', async () => {
    let expected = 0;
    let k = 0;
    for await (const s of readDemandSeries(TAXI, {})) {
      if (k >= 288 && k < 288 + 336) expected += s.value * 0.01;
      k++;
    }
    const reqs = await all(openTrace({ kind: 'demand-series', file: TAXI, scale: 0.01, timeScale: 1 / 6, start: '2014-07-07 00:00:00', length: '7d', profiles }, { space, dataRoot: DATA, seed: 3 }));
    expect(Math.abs(reqs.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    expect((reqs.at(-1) as Request).arrival).toBeLessThan(336 * 300);
  });

  it('aggregates the GenAI QPS log (57 s sampling grid) into a regular series', async () => {
    let n = 0;
    let max = 0;
    for await (const s of readDemandSeries(GENAI, { timeColumn: 'timestamp_anon', aggregate: { step: 57, how: 'sum' } })) {
      n++;
      max = Math.max(max, s.value);
    }
    expect(n).toBeGreaterThan(1300);
    expect(max).toBeGreaterThan(0);
  });
});
