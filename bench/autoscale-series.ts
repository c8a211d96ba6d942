/**
 * Reactive vs predictive scaling on every `timestamp,value` series of a folder (e.g. the 58 NAB
 * series), one scenario per series built as scenarios/autoscale-nyc-taxi.yaml is, with nothing
 * tuned per series but the scale:
 *
 *   nice -n 10 npx tsx bench/autoscale-series.ts FOLDER [--length 1000] [--seed 11]
 *       [--out bench/results/autoscale-series.json] [--detect-season [--no-season-reactive]] [--quantile Q]
 *
 * Per series: the first `length` samples (a sample = 60 simulated seconds), scale = 30 / the
 * window's mean value (0.5 node-equivalents per request per minute: a mean demand of about 15
 * nodes of 16 vCPU for 2-vCPU requests of lognormal length, median 180 s), SLO start within 60 s;
 * workers 1-80 nodes, 10 at t = 0, 2-minute boot, $0.768/h. Strategies: `reactive` (HPA defaults)
 * and `predictive` (Holt-Winters, season = one day of the series' samples, headroom 1.15; with
 * `--detect-season` no season is given and the forecaster detects one; where it finds none the
 * policy forecasts with a non-seasonal model, `noSeason: forecast`). `--no-season-reactive` adds a
 * third strategy, `predictive-nsr`, the same with `noSeason: reactive` (the reactive rule where no
 * season is found, the behaviour before), and a summary over the series where `predictive` had no
 * season at some refit: misses and node-hours of the three, with ratios to reactive in the run.
 * `--quantile Q`: the predictive strategies provision for the Q-quantile of demand instead of the
 * forecast × 1.15 (the reactive floor keeps its defaults).
 * A series the reader refuses (irregular, negative, long gaps) is listed with its error, not run.
 * Prints a row per series and how often each policy has fewer SLO misses and costs less (a tie:
 * misses equal, or costs within 0.5 %), and the predictive runs that noted a fallback.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isUserError } from '../src/core/errors.js';
import { buildScenario } from '../src/scenario/build.js';
import { validateScenarioObject } from '../src/scenario/load.js';
import { compareStrategies } from '../src/sim/compare.js';
import { readDemandSeries } from '../src/traces/demand-series.js';
import { dataRoot as benchDataRoot, die, intArg } from './usage.js';

const { values: o, positionals } = parseArgs({ options: { length: { type: 'string', default: '1000' }, seed: { type: 'string', default: '11' }, out: { type: 'string' }, 'detect-season': { type: 'boolean' }, 'no-season-reactive': { type: 'boolean' }, quantile: { type: 'string' } }, allowPositionals: true, strict: true });
if (positionals.length !== 1) die('usage: npx tsx bench/autoscale-series.ts FOLDER [--length N] [--seed S] [--out FILE]');
const folder = path.resolve(positionals[0] as string);
const length = intArg('--length', o.length ?? '1000', 2);
const seed = intArg('--seed', o.seed ?? '11');
const out = path.resolve(o.out ?? 'bench/results/autoscale-series.json');
const files = readdirSync(folder).filter((f) => f.endsWith('.csv')).sort();
if (files.length === 0) die(`${folder}: no .csv files`);

interface Run { misses: number; cost: number; nodeHours: number }
interface Row { series: string; error?: string; scale?: number; reactive?: Run; predictive?: Run; nsr?: Run; notes?: readonly string[] }
const nsr = o['no-season-reactive'] === true;
const quantile = o.quantile === undefined ? undefined : Number(o.quantile);
if (quantile !== undefined && !(quantile > 0 && quantile < 1)) die(`--quantile: expected a number strictly between 0 and 1 (e.g. 0.95), got '${o.quantile}'`);
if (nsr && o['detect-season'] !== true) die('--no-season-reactive needs --detect-season (with a one-day season given, no season is ever missing)');
const rows: Row[] = [];
for (const f of files) {
  const file = path.join(folder, f);
  const series = f.replace(/\.csv$/, '');
  let sum = 0;
  let n = 0;
  let step = 0;
  try {
    for await (const s of readDemandSeries(file, {})) {
      if (n >= length) break;
      sum += s.value;
      step = s.step;
      n++;
    }
  } catch (e) {
    if (!isUserError(e)) throw e;
    rows.push({ series, error: e.message.replace(`${file}`, f) });
    console.error(`${series}: refused: ${e.message}`);
    continue;
  }
  const mean = sum / n;
  if (!(mean > 0)) {
    rows.push({ series, error: 'the window is all zeros: no demand to scale for' });
    continue;
  }
  const scale = Number((30 / mean).toPrecision(3));
  const profiles = [{ name: 'job', demand: { cpu: 2, memory: '8Gi' }, duration: { dist: 'lognormal', mu: 5.193, sigma: 0.75 } }];
  const predictive = (noSeason: 'forecast' | 'reactive'): Record<string, unknown> => ({ policy: 'predictive', options: { ...(o['detect-season'] === true ? { noSeason } : { seasonSeconds: Math.max(1, Math.round(86_400 / step)) * 60 }), ...(quantile === undefined ? { headroom: 1.15 } : { quantile }) } });
  const raw = {
    name: `as-${series}`,
    seed,
    dimensions: ['cpu', 'memory'],
    pools: [{ name: 'workers', capacity: { cpu: 16, memory: '64Gi' }, nodes: { min: 1, max: 80, initial: 10 }, pricePerHour: 0.768, boot: '2m' }],
    trace: { kind: 'demand-series', file, length, sampleSeconds: 60, scale, profiles, priorities: [{ priority: 'high', weight: 1, sloWait: 60 }] },
    queue: 'fcfs',
    strategies: [
      { name: 'first-fit', label: 'reactive', scaling: { policy: 'reactive' } },
      { name: 'first-fit', label: 'predictive', scaling: predictive('forecast') },
      ...(nsr ? [{ name: 'first-fit', label: 'predictive-nsr', scaling: predictive('reactive') }] : []),
    ],
  };
  const sc = validateScenarioObject(raw, path.join(folder, `${series}.yaml`));
  const res = await compareStrategies(await buildScenario(sc, { file: path.join(folder, `${series}.yaml`), dataRoot: benchDataRoot() }));
  const row: Row = { series, scale };
  for (const r of res.results) {
    if (r.state !== 'completed') throw new Error(`${series} ${r.strategy}: ${r.error}`);
    const m = { misses: r.metrics.sla.overall.withSlo - r.metrics.sla.overall.met, cost: Number(r.metrics.cost.total.toFixed(2)), nodeHours: Number((r.metrics.byPool.workers?.nodeHours ?? Number.NaN).toFixed(2)) };
    if (r.strategy === 'reactive') row.reactive = m;
    else if (r.strategy === 'predictive-nsr') row.nsr = m;
    else {
      row.predictive = m;
      if (r.scalingNotes !== undefined) row.notes = r.scalingNotes;
    }
  }
  rows.push(row);
  console.error(`${series}: reactive ${row.reactive?.misses} misses $${row.reactive?.cost}, predictive ${row.predictive?.misses} misses $${row.predictive?.cost}${row.nsr === undefined ? '' : `, predictive-nsr ${row.nsr.misses} misses $${row.nsr.cost}`}`);
}

mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ folder: path.basename(folder), length, seed, season: o['detect-season'] === true ? 'detected' : 'one day', ...(quantile === undefined ? {} : { quantile }), rows }, null, 1)}\n`);
const ran = rows.filter((r) => r.reactive !== undefined && r.predictive !== undefined) as Required<Pick<Row, 'reactive' | 'predictive'>>[];
const tally = (cmp: (r: (typeof ran)[number]) => number): string => {
  const p = ran.filter((r) => cmp(r) < 0).length;
  const re = ran.filter((r) => cmp(r) > 0).length;
  return `predictive ${p}, reactive ${re}, tie ${ran.length - p - re}`;
};
console.log(`| series | reactive misses | predictive misses | reactive cost | predictive cost |\n| --- | ---: | ---: | ---: | ---: |`);
for (const r of rows) {
  if (r.reactive === undefined || r.predictive === undefined) console.log(`| ${r.series} | refused: ${r.error} | | | |`);
  else console.log(`| ${r.series} | ${r.reactive.misses} | ${r.predictive.misses} | $${r.reactive.cost.toFixed(2)} | $${r.predictive.cost.toFixed(2)} |`);
}
console.log(`\n${ran.length} of ${rows.length} series ran. Fewer SLO misses: ${tally((r) => r.predictive.misses - r.reactive.misses)}.`);
console.log(`Lower cost (within 0.5 % is a tie): ${tally((r) => (Math.abs(r.predictive.cost - r.reactive.cost) <= 0.005 * r.reactive.cost ? 0 : r.predictive.cost - r.reactive.cost))}.`);
const noted = rows.filter((r) => r.notes !== undefined);
console.log(`Predictive runs with a fallback note: ${noted.length}${noted.map((r) => `\n  ${r.series}: ${r.notes?.join('; ').slice(0, 300)}`).join('')}`);
if (nsr) {
  // The series where the policy found no season at some refit (its note says so): the new rule against the old, each against reactive.
  const ns = ran.filter((r) => (r as Row).notes?.some((n) => n.includes('without a season')) === true) as (Required<Pick<Row, 'reactive' | 'predictive' | 'nsr'>> & Row)[];
  const sum = (k: 'reactive' | 'predictive' | 'nsr', f: 'misses' | 'nodeHours'): number => ns.reduce((a, r) => a + r[k][f], 0);
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(3) : '-');
  console.log(`\nSeries with no season at some refit: ${ns.length}`);
  console.log(`| series | misses reactive / predictive / predictive-nsr | node-h reactive / predictive / predictive-nsr | misses ÷ reactive (predictive, nsr) | node-h ÷ reactive (predictive, nsr) |\n| --- | ---: | ---: | ---: | ---: |`);
  for (const r of ns) {
    console.log(`| ${r.series} | ${r.reactive.misses} / ${r.predictive.misses} / ${r.nsr.misses} | ${r.reactive.nodeHours.toFixed(1)} / ${r.predictive.nodeHours.toFixed(1)} / ${r.nsr.nodeHours.toFixed(1)} | ${ratio(r.predictive.misses, r.reactive.misses)}, ${ratio(r.nsr.misses, r.reactive.misses)} | ${ratio(r.predictive.nodeHours, r.reactive.nodeHours)}, ${ratio(r.nsr.nodeHours, r.reactive.nodeHours)} |`);
  }
  const [mr, mp, mn, hr, hp, hn] = [sum('reactive', 'misses'), sum('predictive', 'misses'), sum('nsr', 'misses'), sum('reactive', 'nodeHours'), sum('predictive', 'nodeHours'), sum('nsr', 'nodeHours')];
  console.log(`| total | ${mr} / ${mp} / ${mn} | ${hr.toFixed(1)} / ${hp.toFixed(1)} / ${hn.toFixed(1)} | ${ratio(mp, mr)}, ${ratio(mn, mr)} | ${ratio(hp, hr)}, ${ratio(hn, hr)} |`);
  const fewer = (a: 'predictive' | 'nsr', b: 'predictive' | 'nsr'): number => ns.filter((r) => r[a].misses < r[b].misses).length;
  console.log(`Fewer misses: predictive ${fewer('predictive', 'nsr')}, predictive-nsr ${fewer('nsr', 'predictive')}, equal ${ns.length - fewer('predictive', 'nsr') - fewer('nsr', 'predictive')}.`);
}
