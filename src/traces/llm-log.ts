import { fileHead, gzipName } from '../core/compression.js';
import { TraceFormatError, UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import { arrivalSortFor, UNSORTED_HINT, type UnsortedRule } from './arrival-order.js';
import { AZURE_DEFAULT_PRIORITIES, checkServiceSeconds, ClassAssigner, LlmDemand, llmServiceSeconds, llmServingModel, tokenCell, type LlmServingModel } from './azure-llm.js';
import { isJsonlName, jsonlField, jsonlRecords } from './jsonl-rows.js';
import { RowFilter, type CellValues } from './row-filter.js';
import { ArrivalClock, bad, type Cell, cellValue, checkRowWidth, CsvHeader, csvRows, parseTimestampCell, type PriorityShare, type TenantShare, type TimestampFormat, UniqueIds } from './reading.js';
import { countIn, newTraceStats, noteHeld, traceStream, type TraceStream } from './trace-stats.js';
import type { TraceReadOptions } from './types.js';

/*
 * LLM request logs other than Azure's, through the same serving model (azure-llm.ts: a request
 * is one serving slot for prefill + decode + overhead seconds, memory grows with its tokens):
 * any CSV with a header, or JSON Lines, whose columns (fields) give an arrival time and the
 * prompt and output token counts. E.g.
 *
 *   BurstGPT (HPMLL/BurstGPT, CSV):   Timestamp (s from the start), Model, Request tokens,
 *                                     Response tokens, Total tokens, Log Type
 *   Mooncake (kvcache-ai/Mooncake,    {"timestamp": <ms>, "input_length": n, "output_length": n,
 *   FAST'25 traces, JSONL):            "hash_ids": [...]}
 *
 * Arrivals are relative to the first record (or a fixed `origin`, in the scaled clock), as in the
 * csv kind; `where` keeps the records whose cells equal the given values (the others counted as
 * skipped). Tenants come from a column or, without one, are drawn like priorities and
 * preemptibility from the weighted lists (ClassAssigner, seeded), in replay order.
 */

export interface LlmLogColumns {
  /** Arrival time: a column (seconds) or `{ column, format, scale }` (scale 0.001 for milliseconds). */
  readonly arrival: string | { readonly column: string; readonly format?: TimestampFormat; readonly scale?: number };
  /** Prompt (context) tokens. */
  readonly context: string;
  /** Output (generated) tokens. */
  readonly generated: string;
  /** Request id; default `<idPrefix><record index>`. */
  readonly id?: string;
  /** Tenant; default: drawn from `tenants`. */
  readonly tenant?: string;
}

export interface LlmLogOptions extends TraceReadOptions {
  readonly columns: LlmLogColumns;
  /** `csv` (with a header row) or `jsonl`; default by the name: `.jsonl`/`.ndjson` (+ `.gz`) are JSON Lines. */
  readonly format?: 'csv' | 'jsonl';
  /** CSV only; default ','. */
  readonly delimiter?: string;
  readonly where?: CellValues;
  /** Leave out the records whose cell equals a given value in any named column (BurstGPT's failed requests: `{ 'Response tokens': '0' }`). */
  readonly exclude?: CellValues;
  readonly origin?: number;
  readonly unsorted?: UnsortedRule;
  readonly model?: Partial<LlmServingModel>;
  /** Default [{ name: 'llm', weight: 1 }]; not with `columns.tenant`. */
  readonly tenants?: readonly TenantShare[];
  /** Default: high priority, sloWait 2 s (as azure-llm). */
  readonly priorities?: readonly PriorityShare[];
  readonly preemptibleShare?: number;
  readonly estimateGeneratedTokens?: number;
  readonly seed?: number | string;
  /** Default 'llm-'. */
  readonly idPrefix?: string;
}

export const LLM_DEFAULT_TENANTS: readonly TenantShare[] = [{ name: 'llm', weight: 1 }];

/** One record of either format: its line and its cells by column (field) name, as text. */
interface LogRow {
  readonly line: number;
  readonly get: (column: string) => string;
}

/** The rows of a CSV log (header first; `needed`: column → what it is mapped to) or of a JSONL log. */
async function* logRows(file: string, format: 'csv' | 'jsonl', delimiter: string | undefined, needed: ReadonlyMap<string, string>): AsyncGenerator<LogRow> {
  if (format === 'jsonl') {
    for await (const rec of jsonlRecords(file)) yield { line: rec.line, get: (c) => jsonlField(rec, c, file, needed.get(c)) };
    return;
  }
  // A JSON Lines file under another name would fail as a malformed quote: say what it is.
  const head = gzipName(file) ? undefined : await fileHead(file, 16);
  if (head !== undefined && /^(\uFEFF)?\s*\{/.test(Buffer.from(head).toString('utf8'))) {
    throw new TraceFormatError("line 1 looks like JSON, not a CSV header: set 'format: jsonl' for a JSON Lines file", { file, line: 1 });
  }
  let header: readonly string[] | undefined;
  const at = new Map<string, number>();
  for await (const row of csvRows(file, { delimiter })) {
    if (header === undefined) {
      const h = new CsvHeader(file, row);
      for (const [column, forField] of needed) at.set(column, h.require(column, forField));
      header = row.values;
      continue;
    }
    checkRowWidth(file, row, header, delimiter);
    yield { line: row.line, get: (c) => cellValue(row, at.get(c) as number) };
  }
  if (header === undefined) throw new TraceFormatError('empty file: expected a header row', { file, line: 1 });
}

/** Stream an LLM request log as serving-slot Requests (see the top of this file and azure-llm.ts). */
export function readLlmLogRequests(file: string, opts: LlmLogOptions): TraceStream {
  const model = llmServingModel(opts.model);
  const demand = new LlmDemand(opts.space, model);
  const cols = opts.columns;
  if (cols.tenant !== undefined && opts.tenants !== undefined) throw new UserError("tenants come from the column 'columns.tenant': leave 'tenants' out, or the column", { field: 'tenants' });
  const newClasses = () => new ClassAssigner(opts.seed ?? 0, opts.tenants ?? LLM_DEFAULT_TENANTS, opts.priorities ?? AZURE_DEFAULT_PRIORITIES, opts.preemptibleShare ?? 0);
  newClasses(); // validates the lists now rather than at the first record
  const est = opts.estimateGeneratedTokens;
  if (est !== undefined && !(est >= 0)) throw new UserError(`must be ≥ 0, got ${est}`, { field: 'estimateGeneratedTokens' });
  const format = opts.format ?? (isJsonlName(file) ? 'jsonl' : 'csv');
  if (format === 'jsonl' && opts.delimiter !== undefined) throw new UserError("is for CSV files; this one is read as JSON Lines (format: jsonl)", { field: 'delimiter' });
  const arrival = typeof cols.arrival === 'string' ? { column: cols.arrival, format: 'auto' as const, scale: 1 } : { column: cols.arrival.column, format: cols.arrival.format ?? 'auto', scale: cols.arrival.scale ?? 1 };
  if (!(arrival.scale > 0) || !Number.isFinite(arrival.scale)) throw new UserError(`must be a number > 0, got ${arrival.scale}`, { field: 'columns.arrival.scale' });
  /** Column → what it is mapped to (named in a missing-column error); the first role named wins. */
  const needed = new Map<string, string>();
  const roles: [string, string][] = [
    [arrival.column, 'arrival'],
    [cols.context, 'context'],
    [cols.generated, 'generated'],
    ...(cols.id !== undefined ? [[cols.id, 'id'] as [string, string]] : []),
    ...(cols.tenant !== undefined ? [[cols.tenant, 'tenant'] as [string, string]] : []),
    ...Object.keys(opts.where ?? {}).map((column) => [column, `where.${column}`] as [string, string]),
    ...Object.keys(opts.exclude ?? {}).map((column) => [column, `exclude.${column}`] as [string, string]),
  ];
  for (const [column, role] of roles) if (!needed.has(column)) needed.set(column, role);
  const idPrefix = opts.idPrefix ?? 'llm-';
  const limit = opts.limit ?? Infinity;
  arrivalSortFor(opts.unsorted); // the rule checked before any reading
  const stats = newTraceStats();

  interface Row { readonly index: number; readonly id: string | undefined; readonly tenant: string | undefined; readonly ctx: number; readonly out: number }

  async function* gen(): AsyncGenerator<Request> {
    if (limit <= 0) return;
    const clock = new ArrivalClock(opts.origin, true, UNSORTED_HINT);
    const classes = newClasses(); // fresh per iteration: a stream replays identically
    const held = arrivalSortFor<Row>(opts.unsorted);
    const ids = new UniqueIds();
    const request = (r: Row, at: number): Request => {
      const cls = classes.priority();
      return {
        id: r.id ?? `${idPrefix}${r.index}`,
        tenant: r.tenant ?? classes.tenant(),
        arrival: at,
        demand: demand.vector(r.ctx, r.out),
        duration: llmServiceSeconds(r.ctx, r.out, model),
        priority: cls.priority,
        preemptible: cls.preemptible,
        ...(cls.sloWait !== undefined ? { sloWait: cls.sloWait } : {}),
        ...(est !== undefined ? { requestedDuration: llmServiceSeconds(r.ctx, est, model) } : {}),
      };
    };
    const filter = new RowFilter(opts, (column) => column);
    for await (const row of logRows(file, format, opts.delimiter, needed)) {
      const index = stats.records++;
      const cell = (field: string): Cell => ({ file, line: row.line, field });
      if (!filter.keeps((column) => row.get(column), stats.skipped)) continue;
      const text = row.get(arrival.column);
      const t = parseTimestampCell(text, cell(arrival.column), arrival.format, arrival.scale);
      const ctx = tokenCell(row.get(cols.context), cell(cols.context));
      const out = tokenCell(row.get(cols.generated), cell(cols.generated));
      checkServiceSeconds(ctx, out, model, cell(cols.context), cell(cols.generated));
      const id = cols.id === undefined ? undefined : row.get(cols.id);
      if (id !== undefined) {
        if (id === '') throw bad(cell(cols.id as string), 'empty id');
        ids.check(id, cell(cols.id as string));
      }
      const tenant = cols.tenant === undefined ? undefined : row.get(cols.tenant);
      if (tenant === '') throw bad(cell(cols.tenant as string), "empty tenant: every record of a tenant column names one (or leave 'columns.tenant' out to draw tenants from 'tenants')");
      const r: Row = { index, id, tenant, ctx, out };
      if (held !== undefined) {
        if (held.add(t, r, cell(arrival.column), text)) countIn(stats.adjusted, 'reordered-by-arrival');
        for (const { item, arrival: at } of held.release(opts.origin)) {
          stats.emitted++;
          noteHeld(stats, held.pending);
          yield request(item, at);
          if (stats.emitted >= limit) return;
        }
        continue;
      }
      const at = clock.relative(t, cell(arrival.column), text);
      stats.emitted++;
      yield request(r, at);
      if (stats.emitted >= limit) return;
    }
    if (stats.records === 0) throw new TraceFormatError(format === 'csv' ? 'no records after the header: the trace holds no requests' : 'no records: the file holds no JSON objects', { file, line: format === 'csv' ? 2 : 1 });
    filter.checkMatched(file, stats.records, 'record');
    for (const { item, arrival: at } of held?.sorted(opts.origin) ?? []) {
      stats.emitted++;
      noteHeld(stats, held?.pending ?? 0);
      yield request(item, at);
      if (stats.emitted >= limit) return;
    }
  }

  return traceStream(stats, gen);
}
