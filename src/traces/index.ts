/** Trace readers and generators: every way DRS gets a stream of Requests. */
export type { RequestStream, TraceReadOptions } from './types.js';
export {
  readCsvRequests,
  type CsvColumnMapping,
  type CsvColumnRef,
  type CsvDefaults,
  type CsvPriorityColumn,
  type CsvTimeColumn,
  type CsvTraceOptions,
} from './csv.js';
export {
  ArrivalClock,
  csvRows,
  CsvHeader,
  parseTimestamp,
  type CsvRow,
  type PriorityShare,
  type TenantShare,
  type TimestampFormat,
} from './reading.js';
export type { TraceStats, TraceStream } from './trace-stats.js';
export { ArrivalSort, UNSORTED_RULES, type UnsortedRule } from './arrival-order.js';
export {
  AZURE_COLUMNS,
  AZURE_DEFAULT_PRIORITIES,
  AZURE_DEFAULT_TENANTS,
  DEFAULT_LLM_SERVING,
  LlmDemand,
  llmServiceSeconds,
  llmServingModel,
  readAzureLlmRequests,
  type AzureLlmOptions,
  type LlmServingModel,
} from './azure-llm.js';
export {
  DEFAULT_NODE_PRICES,
  DEFAULT_QOS_PRIORITY,
  GPU_MODEL_LABEL,
  parseGpuSpec,
  readAlibabaNodePools,
  readAlibabaPodRequests,
  type AlibabaDimensions,
  type AlibabaNodeOptions,
  type AlibabaPodOptions,
} from './alibaba-gpu.js';
export {
  AZURE_CONV_CALIBRATION,
  AZURE_CONV_TOKENS,
  azureLlmCalibrated,
  DEFAULT_DURATION,
  generateSyntheticRequests,
  SYNTHETIC_PRESETS,
  type ArrivalProcess,
  type DemandProfile,
  type DurationDist,
  type LlmProfile,
  type SyntheticOptions,
  type SyntheticPresetName,
  type SyntheticReadOptions,
  type TokenDist,
} from './synthetic.js';
export {
  loadTracePools,
  openTrace,
  parsePoolSourceSpec,
  parseTraceSpec,
  resolveTracePath,
  TRACE_KIND_NAMES,
  TRACE_KINDS,
  type OpenTraceContext,
} from './registry.js';
export {
  alibabaGpuTraceSchema,
  alibabaNodesSchema,
  azureLlmTraceSchema,
  csvTraceSchema,
  demandSeriesTraceSchema,
  swfTraceSchema,
  syntheticTraceSchema,
  traceSpecSchema,
  type PoolSourceSpec,
  type TraceKind,
  type TraceSpec,
  type TraceSpecInput,
} from './schemas.js';
export { poisson } from './poisson.js';
export { readDemandSeries, readDemandSeriesRequests, type DemandSeriesOptions, type SeriesSample, type SeriesAggregation } from './demand-series.js';
export { detectFormat, parseBppLib, parseOrLibrary, parsePacking, parseVector, readPackingFile, PACKING_FORMATS, type PackingFormat } from './bin-packing.js';
