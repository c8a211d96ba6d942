/**
 * The real-series corpus of bench/forecast/season-detection.ts and a reference for each series'
 * calendar season that does not use the detector: the day (and week) profile of the first half
 * of the series against the second half's.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { aggregateEventsCsv, binEvents, readSeriesCsv } from '../../src/predict/index.js';

/** FNV-1a of a name: the DEV (even) / TEST split of bench/forecast/auto-score.ts, which nobody chose by looking at the data. */
export function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface RealSeries {
  name: string;
  load(): Promise<{ values: number[]; step: number }>;
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? csvFiles(p) : f.endsWith('.csv') ? [p] : [];
    })
    .sort();
}

async function readLenient(file: string): Promise<{ values: number[]; step: number }> {
  try {
    return await readSeriesCsv(file, { maxGap: 1000, duplicates: 'mean' });
  } catch (e) {
    if (/daylight-saving/.test(String(e))) return readSeriesCsv(file, { maxGap: 1000, duplicates: 'mean', dst: 'shift' });
    const m = /expected a multiple of the step (\d+(?:\.\d+)?) s/.exec(String(e));
    if (m === null) throw e;
    return readSeriesCsv(file, { maxGap: 1000, resample: { step: Number(m[1]), how: 'mean' } });
  }
}

/** Submissions per `step` seconds of an SWF log (gzip), for the forecast benches. */
export async function swfArrivals(file: string, step: number): Promise<{ values: number[]; step: number }> {
  const times: { time: number }[] = [];
  const rl = createInterface({ input: createReadStream(file).pipe(createGunzip()) });
  for await (const line of rl) {
    const t = line.trim();
    if (t === '' || t.startsWith(';')) continue;
    times.push({ time: Number(t.split(/\s+/)[1]) });
  }
  return { values: binEvents(times, step, 'count').values, step };
}

/** Shared-data series (event logs binned hourly and per 10 min) and, with `nab`, every CSV under it. */
export function realSeries(root: string, nab?: string): RealSeries[] {
  const list: RealSeries[] = [
    { name: 'shared/genai_qps(60s)', load: () => aggregateEventsCsv(path.join(root, 'timeseries/genai/qps.csv.gz'), { step: 60, how: 'sum' }) },
    ...['default', 'cpu050', 'gpushare40'].flatMap((p) =>
      [3600, 600].map((step) => ({
        name: `shared/openb_${p}_creations(${step / 60}min)`,
        load: () => aggregateEventsCsv(path.join(root, `gpu-cluster/openb_pod_list_${p}.csv.gz`), { step, how: 'count', timeColumn: 'creation_time' }),
      })),
    ),
    ...['SDSC-SP2-1998-4.2-cln', 'HPC2N-2002-2.2-cln', 'lublin_256'].flatMap((f) =>
      [3600, 600].map((step) => ({ name: `shared/swf_${f.split('-')[0]}_submits(${step / 60}min)`, load: () => swfArrivals(path.join(root, `swf/${f}.swf.gz`), step) })),
    ),
  ];
  if (nab === undefined) {
    list.push(...csvFiles(path.join(root, 'timeseries/nab')).map((f) => ({ name: `shared/${path.basename(f, '.csv')}`, load: () => readSeriesCsv(f) })));
  } else {
    list.push(...csvFiles(nab).map((f) => ({ name: path.relative(nab, f).replace(/\.csv$/, ''), load: () => readLenient(f) })));
  }
  return list;
}

/** Ranks 0..n−1, ties given their mean rank. */
function ranks(x: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((a, b) => (x[a] as number) - (x[b] as number));
  const rank = new Array<number>(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1] as number] === x[order[i] as number]) j++;
    for (let q = i; q <= j; q++) rank[order[q] as number] = (i + j) / 2;
    i = j + 1;
  }
  return rank;
}

/**
 * Does the series repeat a profile of `p` steps? The series minus its centred moving average of
 * p steps (a trend or a level shift is not a season), ranked (a spike counts as one high value),
 * the mean of each phase taken on the first half and on the second half; their correlation.
 * Noise gives about ±1/√p; a real daily cycle 0.5 and up. NaN when a half holds fewer than two
 * periods.
 */
export function splitHalfProfile(values: readonly number[], p: number): number {
  const n = values.length;
  if (n < 4 * p) return Number.NaN;
  const half = Math.floor(p / 2);
  const prefix = [0];
  for (const v of values) prefix.push((prefix.at(-1) as number) + v);
  const resid: number[] = [];
  for (let t = half; t + p - half <= n; t++) resid.push((values[t] as number) - ((prefix[t - half + p] as number) - (prefix[t - half] as number)) / p);
  const rank = ranks(resid);
  const mid = Math.floor(resid.length / 2);
  const profile = (from: number, to: number): number[] => {
    const s = new Array<number>(p).fill(0);
    const c = new Array<number>(p).fill(0);
    for (let i = from; i < to; i++) {
      const ph = (i + half) % p;
      s[ph] = (s[ph] as number) + (rank[i] as number);
      c[ph] = (c[ph] as number) + 1;
    }
    return s.map((v, i) => v / Math.max(1, c[i] as number));
  };
  const a = profile(0, mid);
  const b = profile(mid, resid.length);
  const ma = a.reduce((x, y) => x + y, 0) / p;
  const mb = b.reduce((x, y) => x + y, 0) / p;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < p; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}
