/**
 * How often `detectSeason` finds a season where there is none (seeded random walks, white noise,
 * spiky walks) and the right one where there is (seeded seasonal series, smooth and spiky; real
 * series), under three rules of src/predict/season.ts: "no red-noise" (`redNoise: false,
 * despike: false`), "raw" (`despike: false`, the rule until 7 December 2026) and "now" (defaults).
 *
 *   npx tsx bench/forecast/season-detection.ts                 # synthetic, shared real series (~1 min)
 *   npx tsx bench/forecast/season-detection.ts --nab /tmp/nab   # the real ones: every CSV under DIR (NAB's data/, any depth)
 *
 * Real series: the shared GenAI, openb and SWF series (bench/forecast/season-corpus.ts) and the
 * NAB CSVs (shared, or with --nab every CSV under DIR). The season is detected on the first 80 %
 * with the step known, as `drs forecast` does. Reference for "right": the day profile of the whole
 * series repeats (split-half correlation of its ranked phase means ≥ 0.5, season-corpus.ts); a
 * daily series counts as found when the detected season is within 3 % of a day or a week. The
 * split (FNV-1a of the file name, even: DEV) is the one bench/forecast/auto-score.ts uses: the
 * rule was chosen on DEV, TEST is the report.
 */
import { parseArgs } from 'node:util';
import { Rng } from '../../src/core/rng.js';
import { detectSeason, type SeasonOptions } from '../../src/predict/index.js';
import { dataRoot } from './protocol.js';
import { fnv, realSeries, splitHalfProfile } from './season-corpus.js';
import { intArg } from '../usage.js';

const { values: o } = parseArgs({ options: { nab: { type: 'string' }, count: { type: 'string', default: '200' } }, strict: true });
const COUNT = intArg('--count', o.count as string, 1);

const RULES = { 'no red-noise': { redNoise: false, despike: false }, raw: { despike: false }, now: {} } satisfies Record<string, SeasonOptions>;
type Rule = keyof typeof RULES;
const NAMES = Object.keys(RULES) as Rule[];
const detect = (y: readonly number[], rule: Rule, stepSeconds?: number): number | undefined =>
  detectSeason(y, { ...(stepSeconds !== undefined ? { stepSeconds } : {}), ...RULES[rule] });
const columns = (cell: (rule: Rule) => string): string => NAMES.map((r) => cell(r).padStart(14)).join('');

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

/** A random walk in the logarithm (multiplicative noise) with Pareto spikes on 2 % of the points: no season. */
function spikyWalk(rng: Rng): number[] {
  let x = 0;
  return Array.from({ length: length(rng, 100, 4000) }, () => {
    x += 0.05 * rng.normal();
    return Math.exp(x) * rng.lognormal(0, 0.5) + (rng.bernoulli(0.02) ? rng.pareto(5, 1.2) : 0);
  });
}

/**
 * A heavy-tailed seasonal count-like series: S (24, 48, 144 or 288) over 4-14 cycles, level
 * 10 · exp(wander + a · sin), a 0.3-1.2, lognormal noise (σ 0.3-1), Pareto spikes (scale 50,
 * α 1.1: the mean exists, the variance does not) on 1-3 % of the points.
 */
function spikySeasonal(rng: Rng): { y: number[]; season: number } {
  const season = [24, 48, 144, 288][rng.int(4)] as number;
  const n = Math.round(season * (4 + 10 * rng.next()));
  const amp = 0.3 + 0.9 * rng.next();
  const noise = 0.3 + 0.7 * rng.next();
  const pSpike = 0.01 + 0.02 * rng.next();
  const phase = 2 * Math.PI * rng.next();
  let level = 0;
  const y = Array.from({ length: n }, (_, t) => {
    level += 0.01 * rng.normal();
    const base = 10 * Math.exp(level + amp * Math.sin((2 * Math.PI * t) / season + phase)) * rng.lognormal(0, noise);
    return base + (rng.bernoulli(pSpike) ? rng.pareto(50, 1.1) : 0);
  });
  return { y, season };
}

function synthetic(): void {
  console.log(`synthetic series (${COUNT} of each, seeded): found a season | right period (within 2 %, at least 1 step)`);
  console.log(`${'series'.padEnd(28)}${columns((r) => r)}`);
  for (const [name, make] of [
    ['random walk (100-4000)', randomWalk],
    ['white noise (24-4000)', whiteNoise],
    ['spiky walk (100-4000)', spikyWalk],
  ] as const) {
    const rng = new Rng(name);
    const ys = Array.from({ length: COUNT }, () => make(rng));
    const found = (rule: Rule): string => {
      const k = ys.filter((y) => detect(y, rule) !== undefined).length;
      return `${k} (${((100 * k) / COUNT).toFixed(1)} %)`;
    };
    console.log(`${name.padEnd(28)}${columns(found)}`);
  }
  for (const [name, make] of [
    ['seasonal', seasonal],
    ['spiky seasonal', spikySeasonal],
  ] as const) {
    const rng = new Rng(name);
    const cases = Array.from({ length: COUNT }, () => make(rng));
    const right = (rule: Rule, short?: boolean): string => {
      const sel = cases.filter((c) => short === undefined || c.y.length / c.season < 4 === short);
      const k = sel.filter((c) => {
        const s = detect(c.y, rule);
        return s !== undefined && Math.abs(s - c.season) <= Math.max(1, 0.02 * c.season);
      }).length;
      return `${k}/${sel.length}`;
    };
    console.log(`${`${name}, all`.padEnd(28)}${columns((r) => right(r))}`);
    if (name === 'seasonal') {
      console.log(`${`${name}, < 4 cycles`.padEnd(28)}${columns((r) => right(r, true))}`);
      console.log(`${`${name}, >= 4 cycles`.padEnd(28)}${columns((r) => right(r, false))}`);
    }
  }
}

async function real(): Promise<void> {
  console.log('\nreal series, first 80 %, step known: season found (steps; "-" none); day: steps per day; profile: split-half day profile (>= 0.5: daily)');
  console.log(`${'series'.padEnd(54)} set    points step s   day profile${columns((r) => r)}`);
  const tally = new Map<string, number>();
  const add = (key: string): void => void tally.set(key, (tally.get(key) ?? 0) + 1);
  for (const s of realSeries(dataRoot(), o.nab)) {
    let line: string;
    const set = fnv(s.name.split('/').at(-1) as string) % 2 === 0 ? 'DEV' : 'TEST';
    try {
      const { values, step } = await s.load();
      const head = values.slice(0, Math.floor(0.8 * values.length));
      const day = 86_400 / step;
      const profile = Number.isInteger(day) ? splitHalfProfile(values, day) : Number.NaN;
      const daily = profile >= 0.5;
      const near = (found: number | undefined, p: number): boolean => found !== undefined && Math.abs(found - p) <= Math.max(1, 0.03 * p);
      const found = NAMES.map((rule) => detect(head, rule, step));
      add(`${set} ${daily ? 'daily' : 'other'}`);
      found.forEach((f, i) => add(`${set} ${daily ? 'daily' : 'other'} ${NAMES[i]} ${daily ? (near(f, day) || near(f, 7 * day) ? 'right' : 'missed') : f === undefined ? 'none' : 'found'}`));
      line = `${String(values.length).padStart(6)} ${String(step).padStart(6)} ${String(Number.isInteger(day) ? day : '-').padStart(5)} ${profile.toFixed(2).padStart(7)}${columns((r) => String(found[NAMES.indexOf(r)] ?? '-'))}`;
    } catch (e) {
      line = `not read: ${(e as Error).message.slice(0, 80)}`;
    }
    console.log(`${s.name.padEnd(54)} ${set.padEnd(4)} ${line}`);
  }
  for (const set of ['DEV', 'TEST']) {
    const t = (k: string): number => tally.get(`${set} ${k}`) ?? 0;
    console.log(`${set}: daily series (${t('daily')}) with a day or week found:${columns((r) => String(t(`daily ${r} right`)))}`);
    console.log(`${set}: other series (${t('other')}) with a season found:     ${columns((r) => String(t(`other ${r} found`)))}`);
  }
}

synthetic();
await real();
