/** Public API of src/predict: the Forecaster contract, forecasters, registry, series IO, backtests. */
export type { Forecast, Forecaster, ForecasterContext, PredictionInterval } from './types.js';
export { Z95 } from './types.js';
export { NaiveForecaster } from './naive.js';
export { SeasonalNaiveForecaster, type SeasonalNaiveOptions } from './seasonal-naive.js';
export { MovingAverageForecaster, type MovingAverageOptions } from './moving-average.js';
export { createEwma, type EwmaOptions } from './ewma.js';
export { createHolt, type HoltOptions } from './holt.js';
export { HoltWintersForecaster, type HoltWintersOptions } from './holt-winters.js';
export { SmoothingForecaster } from './smoothing-forecaster.js';
export type { SeasonalKind, SmoothingParams, SmoothingSpec, TrendKind } from './smoothing.js';
export { RegressionForecaster, type RegressionOptions } from './regression.js';
export { MlpForecaster, loadMlp } from './mlp.js';
export { LstmForecaster, loadLstm } from './lstm.js';
export { NeuralForecaster, type NeuralMeta, type NeuralOptions } from './neural.js';
export { loadTf, type TfBackend, type TfRuntime } from './tf-runtime.js';
export { AutoForecaster, type AutoCandidate, type AutoOptions } from './auto.js';
export { autocorrelation, detectSeason, findSeason, resolveSeason, type SeasonFinding, type SeasonOptions } from './season.js';
export {
  AUTO_DEFAULT_CANDIDATES,
  FORECASTER_NAMES,
  checkName,
  createForecaster,
  describeForecasters,
  isForecasterName,
  usesSeed,
  type ForecasterName,
} from './registry.js';
export { loadNeuralForecaster } from './neural-load.js';
export { mae, mase, rmse, seasonalNaiveScale, smape, smapeTerm } from './metrics.js';
export { backtest, backtestOrigins, trainLength, type BacktestOptions, type BacktestResult } from './backtest.js';
export {
  EventBinner,
  binEvents,
  parseTimestamp,
  readSeriesCsv,
  requireSeasons,
  type Aggregation,
  type ReadSeriesOptions,
  type Series,
  type SeriesRepairs,
} from './series.js';
export { aggregateEventsCsv, type AggregateOptions } from './event-log.js';
export { MAX_SERIES_POINTS } from './span.js';
