/**
 * Recomputes the Azure LLM calibration constants of src/traces/synthetic.ts
 * (AZURE_CONV_CALIBRATION) from the real trace and prints them.
 *
 *   npx tsx bench/calibrate-azure.ts [path/to/AzureLLMInferenceTrace_conv.csv]
 *
 * Default path: $DRS_DATA_DIR/llm-inference/AzureLLMInferenceTrace_conv.csv, with the data root
 * defaulting to ../shared/data. How each number is measured:
 *   - rate = (requests − 1) / (last TIMESTAMP − first TIMESTAMP), requests/second (the trace is
 *     sorted by TIMESTAMP);
 *   - interArrivalCv = sd / mean of the gaps between consecutive requests (1 for Poisson);
 *   - token counts: lognormal by moments of the logs: mu = mean(ln x), sigma = sample standard
 *     deviation of ln x (simple-statistics), over x > 0; min/max observed.
 * Rounded to 4 decimals (the constants in src are these rounded values).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { cellValue, CsvHeader, csvRows, parseNonNegativeCell, parseTimestampCell } from '../src/traces/reading.js';
import { AZURE_COLUMNS } from '../src/traces/azure-llm.js';

export interface LognormalFit {
  mu: number;
  sigma: number;
  min: number;
  max: number;
}

export interface AzureCalibration {
  requests: number;
  spanSeconds: number;
  ratePerSecond: number;
  interArrivalCv: number;
  context: LognormalFit;
  generated: LognormalFit;
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

function fit(values: number[]): LognormalFit {
  const logs = values.filter((x) => x > 0).map((x) => Math.log(x));
  return { mu: round4(mean(logs)), sigma: round4(sampleStandardDeviation(logs)), min: Math.min(...values), max: Math.max(...values) };
}

export async function measureAzureCalibration(file: string): Promise<AzureCalibration> {
  const times: number[] = [];
  const ctx: number[] = [];
  const gen: number[] = [];
  let cols: { ts: number; ctx: number; gen: number } | undefined;
  for await (const row of csvRows(file)) {
    if (cols === undefined) {
      const h = new CsvHeader(file, row);
      cols = { ts: h.require(AZURE_COLUMNS.timestamp), ctx: h.require(AZURE_COLUMNS.context), gen: h.require(AZURE_COLUMNS.generated) };
      continue;
    }
    const at = (field: string) => ({ file, line: row.line, field });
    times.push(parseTimestampCell(cellValue(row, cols.ts), at(AZURE_COLUMNS.timestamp), 'iso'));
    ctx.push(parseNonNegativeCell(cellValue(row, cols.ctx), at(AZURE_COLUMNS.context)));
    gen.push(parseNonNegativeCell(cellValue(row, cols.gen), at(AZURE_COLUMNS.generated)));
  }
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  const span = last - first;
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push((times[i] as number) - (times[i - 1] as number));
  return {
    requests: times.length,
    spanSeconds: round4(span),
    ratePerSecond: round4((times.length - 1) / span),
    interArrivalCv: round4(sampleStandardDeviation(gaps) / mean(gaps)),
    context: fit(ctx),
    generated: fit(gen),
  };
}

export function defaultAzureTracePath(): string {
  const root = process.env.DRS_DATA_DIR ?? path.resolve('../shared/data');
  return path.join(root, 'llm-inference', 'AzureLLMInferenceTrace_conv.csv');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // Imported here, not at the top: the tests import this module, and usage.js installs the
  // process-wide handler that turns a user mistake (a missing trace) into one line and exit 2.
  const { dataFile } = await import('./usage.js');
  const file = process.argv[2] ?? dataFile('llm-inference/AzureLLMInferenceTrace_conv.csv');
  const c = await measureAzureCalibration(file);
  console.log(`# measured on ${file}`);
  console.log(`export const AZURE_CONV_CALIBRATION = ${JSON.stringify(c, null, 2)} as const;`);
}
