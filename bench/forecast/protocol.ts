/**
 * The benchmark protocol shared by bench/forecast/compare.ts and test/predict/acceptance.test.ts,
 * mirroring bench/forecast/statsmodels_hw.py: the seven series, their seasons, the GenAI
 * aggregation, and how one model is run under the walk-forward backtest.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { aggregateEventsCsv, backtest, createForecaster, readSeriesCsv, type BacktestResult } from '../../src/predict/index.js';

export const TRAIN = 0.8;
export const HORIZON = 12;
export const EVERY = 12;
/** The GenAI QPS samples (one every 57 s per container) are summed into 60-second bins. */
export const GENAI_STEP = 60;

export interface BenchSeries {
  name: string;
  /** Path relative to the data root. */
  rel: string;
  kind: 'csv' | 'events';
  /** Season in steps: one day for the 5-minute NAB series (288) and NYC taxi (48 half-hours). */
  season: number;
}

export const BENCH_SERIES: readonly BenchSeries[] = [
  { name: 'cpu_utilization_asg_misconfiguration', rel: 'timeseries/nab/cpu_utilization_asg_misconfiguration.csv', kind: 'csv', season: 288 },
  { name: 'ec2_cpu_utilization_5f5533', rel: 'timeseries/nab/ec2_cpu_utilization_5f5533.csv', kind: 'csv', season: 288 },
  { name: 'ec2_cpu_utilization_825cc2', rel: 'timeseries/nab/ec2_cpu_utilization_825cc2.csv', kind: 'csv', season: 288 },
  { name: 'ec2_network_in_257a54', rel: 'timeseries/nab/ec2_network_in_257a54.csv', kind: 'csv', season: 288 },
  { name: 'nyc_taxi', rel: 'timeseries/nab/nyc_taxi.csv', kind: 'csv', season: 48 },
  { name: 'rds_cpu_utilization_cc0c53', rel: 'timeseries/nab/rds_cpu_utilization_cc0c53.csv', kind: 'csv', season: 288 },
  // 19 one-minute steps = 20 sampling periods of 57 s: the per-minute sums carry an exact 19-step
  // cycle (one minute in 19 holds two samples), which is also what autocorrelation detects.
  { name: 'genai_qps', rel: 'timeseries/genai/qps.csv.gz', kind: 'events', season: 19 },
];

/** The data root: DRS_DATA_DIR, else ../shared/data relative to the working directory. */
export function dataRoot(): string {
  return process.env.DRS_DATA_DIR ?? path.resolve('../shared/data');
}

export async function loadBenchSeries(root: string, s: BenchSeries): Promise<number[]> {
  const file = path.join(root, s.rel);
  const series = s.kind === 'events' ? await aggregateEventsCsv(file, { step: GENAI_STEP, how: 'sum' }) : await readSeriesCsv(file);
  return series.values;
}

/** Neural models are trained once, at the first origin, then only conditioned on new data. */
export const NEURAL = new Set(['mlp', 'lstm']);

export async function runModel(name: string, values: readonly number[], season: number, seed = 42): Promise<BacktestResult & { selected?: string }> {
  const model = createForecaster(name, {}, { season, horizon: HORIZON, seed });
  const r = await backtest(model, values, { train: TRAIN, horizon: HORIZON, every: EVERY, season, refitEvery: NEURAL.has(name) ? Number.MAX_SAFE_INTEGER : 1 });
  const selected = (model as { selected?: unknown }).selected;
  return typeof selected === 'string' ? { ...r, selected } : r;
}

export interface StatsmodelsRow {
  series: string;
  points: number;
  season: number;
  origins: number;
  mae: number;
  rmse: number;
  smape: number;
  mase: number | null;
  fitSeconds: number;
  failedFits: number;
  warnings: number;
  seasonalNaiveSmape: number;
}

export interface StatsmodelsFixture {
  statsmodelsVersion: string;
  settings: string;
  command: string;
  results: StatsmodelsRow[];
}

export const STATSMODELS_FIXTURE = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'statsmodels-results.json');

export async function readStatsmodels(file = STATSMODELS_FIXTURE): Promise<StatsmodelsFixture> {
  return JSON.parse(await readFile(file, 'utf8')) as StatsmodelsFixture;
}
