/**
 * Side-by-side forecast accuracy: our forecasters vs statsmodels' ExponentialSmoothing
 * (Holt-Winters, additive trend and season) on the seven series, under one protocol
 * (train 0.8, horizon 12, every 12, refit at every origin; see docs/forecasting.md).
 *
 *   npx tsx bench/forecast/compare.ts [--models a,b] [--only SERIES,SERIES] [--no-neural] [--python] [--out FILE]
 *
 * statsmodels' numbers come from bench/forecast/statsmodels-results.json (a measured fixture);
 * with --python, or when the fixture is missing, the script first re-runs
 * bench/forecast/statsmodels_hw.py with /usr/bin/python3 (needs the python3-statsmodels package).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { acceptanceTable } from './acceptance.js';
import { BENCH_SERIES, STATSMODELS_FIXTURE, dataRoot, loadBenchSeries, readStatsmodels, runModel } from './protocol.js';
import { FORECASTER_NAMES, isForecasterName } from '../../src/predict/registry.js';
import { die } from '../usage.js';

const { values: opts } = parseArgs({
  options: {
    models: { type: 'string', default: 'seasonal-naive,holt-winters,holt-winters-additive,regression,regression-dummy,ewma,holt,moving-average,naive,auto,mlp,lstm' },
    only: { type: 'string' },
    'no-neural': { type: 'boolean', default: false },
    python: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/forecast-compare.json' },
  },
  strict: true,
});

// Checked before any work: an unknown --only name would otherwise run nothing and write an empty table.
const only = opts.only?.split(',').filter((x) => x !== '');
const unknownSeries = (only ?? []).filter((x) => !BENCH_SERIES.some((s) => s.name === x));
if (only !== undefined && (only.length === 0 || unknownSeries.length > 0)) die(`--only: unknown series '${unknownSeries.join(',') || opts.only}' (series: ${BENCH_SERIES.map((s) => s.name).join(', ')})`);
const unknownModels = (opts.models ?? '').split(',').filter((m) => m !== '' && !isForecasterName(m));
if (unknownModels.length > 0) die(`--models: unknown model '${unknownModels.join(',')}' (models: ${FORECASTER_NAMES.join(', ')})`);

function statsmodelsAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import statsmodels'], { stdio: 'ignore' }).status === 0;
}

if (opts.python || !existsSync(STATSMODELS_FIXTURE)) {
  if (!statsmodelsAvailable()) {
    console.error('statsmodels fixture missing and /usr/bin/python3 has no statsmodels: apt-get install -y python3-statsmodels');
    process.exit(2);
  }
  console.error('running bench/forecast/statsmodels_hw.py (takes several minutes) ...');
  execFileSync('/usr/bin/python3', [path.join(path.dirname(STATSMODELS_FIXTURE), 'statsmodels_hw.py')], { stdio: 'inherit', env: { ...process.env, DRS_DATA_DIR: dataRoot() } });
}
const sm = await readStatsmodels();
const models = (opts.models ?? '').split(',').filter((m) => m !== '' && !(opts['no-neural'] && (m === 'mlp' || m === 'lstm')));
const root = dataRoot();

interface Row {
  series: string;
  season: number;
  points: number;
  statsmodels: number;
  seasonalNaiveSmape: number;
  ours: Record<string, { smape: number; mase: number | null; coverage80: number | null; coverage95: number | null; winkler95: number | null; fitSeconds: number; selected?: string }>;
}
const rows: Row[] = [];
for (const s of BENCH_SERIES) {
  if (only !== undefined && !only.includes(s.name)) continue;
  const ref = sm.results.find((r) => r.series === s.name);
  if (ref === undefined) throw new Error(`statsmodels fixture has no row for ${s.name}`);
  const values = await loadBenchSeries(root, s);
  if (values.length !== ref.points) throw new Error(`${s.name}: ${values.length} points here but ${ref.points} in the statsmodels fixture: the two loaders disagree`);
  const row: Row = { series: s.name, season: s.season, points: values.length, statsmodels: ref.smape, seasonalNaiveSmape: ref.seasonalNaiveSmape, ours: {} };
  for (const m of models) {
    const t0 = Date.now();
    const r = await runModel(m, values, s.season);
    row.ours[m] = { smape: r.smape, mase: r.mase, coverage80: r.coverage80, coverage95: r.coverage95, winkler95: r.winkler95, fitSeconds: r.fitSeconds, ...(r.selected === undefined ? {} : { selected: r.selected }) };
    console.error(`${s.name} ${m}: sMAPE ${r.smape.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(1)} s)${r.selected === undefined ? '' : ` last pick ${r.selected}`}`);
  }
  rows.push(row);
}

const f = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(2));
const lines: string[] = [];
lines.push('| series | S | points | statsmodels HW | our HW | seasonal naive | auto | our best (model) | best vs statsmodels |');
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
let bestWins = 0;
let autoWins = 0;
const hwChecks: string[] = [];
for (const r of rows) {
  const entries = Object.entries(r.ours).sort((a, b) => a[1].smape - b[1].smape);
  const [bestName, best] = entries[0] ?? ['-', { smape: Number.NaN }];
  const hw = r.ours['holt-winters']?.smape;
  const auto = r.ours.auto?.smape;
  const sn = r.ours['seasonal-naive']?.smape ?? r.seasonalNaiveSmape;
  if (best.smape < r.statsmodels) bestWins++;
  if (auto !== undefined && auto < r.statsmodels) autoWins++;
  if (hw !== undefined) {
    const noWorse = hw <= r.statsmodels * 1.02;
    const smBeatsSn = r.statsmodels < r.seasonalNaiveSmape;
    hwChecks.push(`${r.series}: our HW ${hw.toFixed(3)} vs statsmodels ${r.statsmodels.toFixed(3)} (${(((hw - r.statsmodels) / r.statsmodels) * 100).toFixed(1)} %)${smBeatsSn ? ', statsmodels beats seasonal naive' : ''}${noWorse ? '' : '  <-- WORSE'}`);
  }
  lines.push(`| ${r.series} | ${r.season} | ${r.points} | ${f(r.statsmodels)} | ${f(hw)} | ${f(sn)} | ${f(auto)} | ${f(best.smape)} (${bestName}) | ${best.smape < r.statsmodels ? 'ours' : 'statsmodels'} |`);
}
console.log(lines.join('\n'));
console.log(`\nsMAPE in percent (0-200), pooled over all origins and steps; lower is better.`);
console.log(`our best beats statsmodels HW on ${bestWins} of ${rows.length} series; auto alone on ${autoWins} of ${rows.length}.`);
console.log(hwChecks.join('\n'));

// Issue 15 acceptance (bench/forecast/acceptance.ts): auto against the best of statsmodels' HW,
// naive and seasonal naive, and the calibration of auto's intervals.
if (rows.every((r) => r.ours.auto !== undefined && r.ours.naive !== undefined)) console.log(`\n${acceptanceTable(rows)}`);

mkdirSync(path.dirname(path.resolve(opts.out ?? '')), { recursive: true });
writeFileSync(path.resolve(opts.out ?? ''), JSON.stringify({ statsmodelsVersion: sm.statsmodelsVersion, models, rows }, null, 2) + '\n');
console.error(`wrote ${opts.out}`);
