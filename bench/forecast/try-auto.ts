/**
 * Experiment helper: run one model with options on chosen bench series under the bench protocol.
 *   npx tsx bench/forecast/try-auto.ts --model auto --options '{"validation":120}' --only genai_qps,rds_cpu_utilization_cc0c53
 */
import { parseArgs } from 'node:util';
import { backtest, createForecaster } from '../../src/predict/index.js';
import { BENCH_SERIES, EVERY, HORIZON, TRAIN, dataRoot, loadBenchSeries, readStatsmodels } from './protocol.js';
import { die } from '../usage.js';

const { values: o } = parseArgs({ options: { model: { type: 'string', default: 'auto' }, options: { type: 'string', default: '{}' }, only: { type: 'string' } }, strict: true });
const only = o.only?.split(',');
const unknown = (only ?? []).filter((x) => !BENCH_SERIES.some((s) => s.name === x));
if (unknown.length > 0) die(`--only: unknown series '${unknown.join(',')}' (series: ${BENCH_SERIES.map((s) => s.name).join(', ')})`);
const options = ((): Record<string, unknown> => {
  try {
    return JSON.parse(o.options ?? '{}') as Record<string, unknown>;
  } catch (e) {
    return die(`--options: not JSON (${(e as Error).message}); e.g. '{"validation":120}'`);
  }
})();
const sm = await readStatsmodels();
for (const s of BENCH_SERIES) {
  if (only !== undefined && !only.includes(s.name)) continue;
  const values = await loadBenchSeries(dataRoot(), s);
  const t0 = Date.now();
  const model = createForecaster(o.model ?? 'auto', options, { season: s.season, horizon: HORIZON, seed: 42 });
  const r = await backtest(model, values, { train: TRAIN, horizon: HORIZON, every: EVERY, season: s.season });
  const ref = sm.results.find((x) => x.series === s.name);
  const picks = (model as { selected?: string }).selected;
  console.log(`${s.name}: sMAPE ${r.smape.toFixed(3)} cov80 ${r.coverage80?.toFixed(1)} cov95 ${r.coverage95?.toFixed(1)} W95 ${r.winkler95?.toFixed(2)} | statsmodels ${ref?.smape.toFixed(3)} snaive ${ref?.seasonalNaiveSmape.toFixed(3)} | ${((Date.now() - t0) / 1000).toFixed(1)} s, last pick ${picks ?? '-'}`);
}
