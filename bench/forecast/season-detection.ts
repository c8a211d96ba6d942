/**
 * How often `detectSeason` finds a season where there is none (seeded random walks and white
 * noise) and the right one where there is (seeded seasonal series; real series), with and without
 * the red-noise test of src/predict/season.ts (`redNoise: false` is the rule before it).
 *
 *   npx tsx bench/forecast/season-detection.ts                 # synthetic only (~10 s)
 *   npx tsx bench/forecast/season-detection.ts --nab /tmp/nab   # plus every CSV under DIR (NAB's data/, any depth)
 *
 * Real series: the shared NAB and GenAI series (DRS_DATA_DIR or ../shared/data) and, with --nab,
 * every CSV under DIR (read with duplicates merged, gaps of up to 1,000 points interpolated,
 * irregular files binned at their most common spacing); the season is detected on the first 80 %
 * with the step known, as `drs forecast` does. No truth is assumed for them: the table says what
 * each rule finds, and docs/forecasting.md says how it was judged.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../../src/core/rng.js';
import { aggregateEventsCsv, detectSeason, readSeriesCsv, type Series } from '../../src/predict/index.js';
import { dataRoot } from './protocol.js';
import { intArg } from '../usage.js';

const { values: o } = parseArgs({ options: { nab: { type: 'string' }, count: { type: 'string', default: '200' } }, strict: true });
const COUNT = intArg('--count', o.count as string, 1);

type Rule = 'before' | 'after';
const detect = (y: readonly number[], rule: Rule, stepSeconds?: number): number | undefined =>
  detectSeason(y, { ...(stepSeconds !== undefined ? { stepSeconds } : {}), ...(rule === 'before' ? { redNoise: false } : {}) });

/** n uniform in [lo, hi]. */
const length = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);

function randomWalk(rng: Rng): number[] {
  let x = 0;
  return Array.from({ length: length(rng, 100, 4000) }, () => (x += rng.normal()));
}

function whiteNoise(rng: Rng): number[] {
  return Array.from({ length: length(rng, 24, 4000) }, () => rng.normal());
}

/**
 * A season S (7, 12, 24, 48, 96 or 288 steps) over 2.5-12 cycles: a sine, or a sine plus its
 * second harmonic (a sharper peak), amplitude 1; AR(1) noise (φ 0, 0.5 or 0.9) of sd 0.25-1.5;
 * on a third of the series a linear trend, on another third a random walk of step sd 0.02 added.
 */
function seasonal(rng: Rng): { y: number[]; season: number } {
  const season = [7, 12, 24, 48, 96, 288][rng.int(6)] as number;
  const n = Math.round(season * (2.5 + 9.5 * rng.next()));
  const phi = [0, 0.5, 0.9][rng.int(3)] as number;
  const sd = 0.25 + 1.25 * rng.next();
  const harmonic = rng.bernoulli(0.5) ? 0.5 : 0;
  const extra = rng.int(3);
  const phase = 2 * Math.PI * rng.next();
  let e = 0;
  let walk = 0;
  const y = Array.from({ length: n }, (_, t) => {
    e = phi * e + Math.sqrt(1 - phi * phi) * sd * rng.normal();
    walk += extra === 2 ? 0.02 * rng.normal() : 0;
    const w = (2 * Math.PI * t) / season + phase;
    return Math.sin(w) + harmonic * Math.sin(2 * w) + e + walk + (extra === 1 ? (0.5 * t) / season : 0);
  });
  return { y, season };
}

function synthetic(): void {
  console.log(`synthetic series (${COUNT} of each, seeded): found a season | right period (within 2 %, at least 1 step)`);
  console.log('series                         before      after');
  for (const [name, make] of [
    ['random walk (100-4000)', randomWalk],
    ['white noise (24-4000)', whiteNoise],
  ] as const) {
    const rng = new Rng(name);
    const ys = Array.from({ length: COUNT }, () => make(rng));
    const found = (rule: Rule): string => {
      const k = ys.filter((y) => detect(y, rule) !== undefined).length;
      return `${k} (${((100 * k) / COUNT).toFixed(1)} %)`;
    };
    console.log(`${name.padEnd(28)} ${found('before').padStart(10)} ${found('after').padStart(10)}`);
  }
  const rng = new Rng('seasonal');
  const cases = Array.from({ length: COUNT }, () => seasonal(rng));
  const right = (rule: Rule, short?: boolean): string => {
    const sel = cases.filter((c) => short === undefined || c.y.length / c.season < 4 === short);
    const k = sel.filter((c) => {
      const s = detect(c.y, rule);
      return s !== undefined && Math.abs(s - c.season) <= Math.max(1, 0.02 * c.season);
    }).length;
    return `${k}/${sel.length}`;
  };
  console.log(`${'seasonal, all'.padEnd(28)} ${right('before').padStart(10)} ${right('after').padStart(10)}`);
  console.log(`${'seasonal, < 4 cycles'.padEnd(28)} ${right('before', true).padStart(10)} ${right('after', true).padStart(10)}`);
  console.log(`${'seasonal, >= 4 cycles'.padEnd(28)} ${right('before', false).padStart(10)} ${right('after', false).padStart(10)}`);
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? csvFiles(p) : f.endsWith('.csv') ? [p] : [];
    })
    .sort();
}

async function readLenient(file: string): Promise<Series> {
  try {
    return await readSeriesCsv(file, { maxGap: 1000, duplicates: 'mean' });
  } catch (e) {
    const m = /expected a multiple of the step (\d+(?:\.\d+)?) s/.exec(String(e));
    if (m === null) throw e;
    return readSeriesCsv(file, { maxGap: 1000, resample: { step: Number(m[1]), how: 'mean' } });
  }
}

async function real(): Promise<void> {
  const root = dataRoot();
  const series: { name: string; load: () => Promise<Series> }[] = [
    ...csvFiles(path.join(root, 'timeseries/nab')).map((f) => ({ name: `shared/${path.basename(f, '.csv')}`, load: () => readSeriesCsv(f) })),
    { name: 'shared/genai_qps(60s)', load: () => aggregateEventsCsv(path.join(root, 'timeseries/genai/qps.csv.gz'), { step: 60, how: 'sum' }) },
    ...(o.nab === undefined ? [] : csvFiles(o.nab).map((f) => ({ name: path.relative(o.nab as string, f).replace(/\.csv$/, ''), load: () => readLenient(f) }))),
  ];
  console.log('\nreal series, first 80 %, step known: season found (steps; "-" none)');
  console.log('series                                                  points  step s  before   after');
  for (const s of series) {
    let line: string;
    try {
      const { values, step } = await s.load();
      const head = values.slice(0, Math.floor(0.8 * values.length));
      const show = (rule: Rule): string => String(detect(head, rule, step) ?? '-');
      line = `${String(values.length).padStart(6)}  ${String(step).padStart(6)}  ${show('before').padStart(6)}  ${show('after').padStart(6)}`;
    } catch (e) {
      line = `not read: ${(e as Error).message.slice(0, 80)}`;
    }
    console.log(`${s.name.padEnd(54)}  ${line}`);
  }
}

synthetic();
await real();
