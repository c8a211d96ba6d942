import { TraceFormatError, UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import { isPriority, type Priority } from '../core/priority.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import { arrivalSortFor, UNSORTED_HINT, type UnsortedRule } from './arrival-order.js';
import { ArrivalClock, bad, type Cell, cellValue, checkRowWidth, checkShares, CsvHeader, csvRows, demandVector, drawIndex, MAX_TRACE_SECONDS, parseNonNegativeCell, parseTimestampCell, type PriorityShare, type TenantShare } from './reading.js';
import { countIn, newTraceStats, noteHeld, traceStream, type TraceStream } from './trace-stats.js';
import type { TraceReadOptions } from './types.js';

/*
 * The Azure LLM inference trace (Azure Public Dataset, 2023): one row per request,
 *
 *   TIMESTAMP,ContextTokens,GeneratedTokens
 *   2023-11-16 18:15:46.6805900,374,44
 *
 * TIMESTAMP is a UTC wall-clock time with 7 fraction digits; arrivals are made relative to the
 * first row (its arrival is 0). Each request becomes one *serving slot* on an inference replica
 * for as long as the tokens-per-second model below says it takes.
 *
 * Tokens-per-second model (per request, on one slot):
 *
 *   duration = contextTokens / prefillTokensPerSecond      (prefill: the prompt, compute-bound)
 *            + generatedTokens / decodeTokensPerSecond     (decode: one token at a time)
 *            + overheadSeconds                              (queueing inside the engine, network, detokenise)
 *
 * Defaults: prefill 5,000 tok/s, decode 50 tok/s per slot, overhead 0.1 s. These are round
 * figures in the range reported for a 7B–70B model served with continuous batching on one
 * data-centre GPU (prefill thousands of tokens/s, decode tens of tokens/s per sequence); they
 * are not measured from the trace, which has no timings.
 *
 * Demand per request (dimension → amount):
 *
 *   gpu    = 0.125                                 (one of 8 slots on a GPU)
 *   cpu    = 0.5                                   (tokenisation, HTTP, scheduling)
 *   memory = 0.5 + 0.3 × (context + generated) / 1000   GiB
 *
 * The memory term models the KV cache the request holds at its end: about 0.3 GiB per 1,000
 * tokens, which is what a 70B-class model with grouped-query attention needs (80 layers × 8 KV
 * heads × 128 dims × 2 (K,V) × 2 bytes ≈ 0.33 MB per token). All of it is configurable; the
 * demand names must be dimensions of the scenario.
 *
 * Tenants, priorities and preemptibility are not in the trace. They are drawn per request from
 * weighted lists with an Rng seeded from `seed` (forked per purpose: 'tenant', 'priority',
 * 'preemptible'), so the assignment is deterministic for a seed and changing one list does not
 * reshuffle the others. Defaults: one tenant 'azure-conv', priority 'high' (interactive chat)
 * with sloWait 2 s, nothing preemptible.
 */

export interface LlmServingModel {
  /** Prompt tokens processed per second by one slot. */
  readonly prefillTokensPerSecond: number;
  /** Generated tokens per second for one slot. */
  readonly decodeTokensPerSecond: number;
  /** Fixed seconds per request. */
  readonly overheadSeconds: number;
  /** Fixed demand per request, dimension → amount. */
  readonly demand: Readonly<Record<string, number>>;
  /** Extra memory per 1,000 tokens (context + generated), in the memory dimension's unit (GiB). */
  readonly memoryPerKToken: number;
  /** Dimension that `memoryPerKToken` adds to. */
  readonly memoryDimension: string;
}

export const DEFAULT_LLM_SERVING: LlmServingModel = {
  prefillTokensPerSecond: 5000,
  decodeTokensPerSecond: 50,
  overheadSeconds: 0.1,
  demand: { gpu: 0.125, cpu: 0.5, memory: 0.5 },
  memoryPerKToken: 0.3,
  memoryDimension: 'memory',
};

export function llmServingModel(overrides: Partial<LlmServingModel> = {}): LlmServingModel {
  const m = { ...DEFAULT_LLM_SERVING, ...overrides };
  if (!(m.prefillTokensPerSecond > 0)) throw new UserError(`must be > 0, got ${m.prefillTokensPerSecond}`, { field: 'model.prefillTokensPerSecond' });
  if (!(m.decodeTokensPerSecond > 0)) throw new UserError(`must be > 0, got ${m.decodeTokensPerSecond}`, { field: 'model.decodeTokensPerSecond' });
  if (!(m.overheadSeconds >= 0)) throw new UserError(`must be ≥ 0, got ${m.overheadSeconds}`, { field: 'model.overheadSeconds' });
  if (!(m.memoryPerKToken >= 0)) throw new UserError(`must be ≥ 0, got ${m.memoryPerKToken}`, { field: 'model.memoryPerKToken' });
  return m;
}

/** Seconds one slot is busy with a request (the formula above). */
export function llmServiceSeconds(contextTokens: number, generatedTokens: number, m: LlmServingModel): number {
  return contextTokens / m.prefillTokensPerSecond + generatedTokens / m.decodeTokensPerSecond + m.overheadSeconds;
}

/**
 * The run time of a row's tokens, checked at the row: past MAX_TRACE_SECONDS (a rate in the wrong
 * unit, prefillTokensPerSecond: 1e-300, or a damaged count) the run's sums overflowed (cost 1.4e300,
 * exit 0). The error names the column whose term is the larger.
 */
export function checkServiceSeconds(contextTokens: number, generatedTokens: number, m: LlmServingModel, ctxCell: Cell, outCell: Cell): void {
  const s = llmServiceSeconds(contextTokens, generatedTokens, m);
  if (s <= MAX_TRACE_SECONDS) return;
  const cell = contextTokens / m.prefillTokensPerSecond >= generatedTokens / m.decodeTokensPerSecond ? ctxCell : outCell;
  throw bad(
    cell,
    `${contextTokens} context and ${generatedTokens} generated tokens take ${s} s on the serving model (prefill ${m.prefillTokensPerSecond} tok/s, decode ${m.decodeTokensPerSecond} tok/s, overhead ${m.overheadSeconds} s), ` +
      'more than 1e10 s (over 300 years): a model rate in the wrong unit, or a damaged token count?',
  );
}

/**
 * Precomputed demand: `vector(ctx, gen)` returns a fresh demand vector for the request.
 * Throws a UserError if the model names a dimension the scenario lacks.
 */
export class LlmDemand {
  private readonly base: number[];
  private readonly memIndex: number;
  private readonly perToken: number;

  constructor(space: ResourceSpace, m: LlmServingModel, field = 'model') {
    this.base = demandVector(space, m.demand, `${field}.demand`);
    this.memIndex = space.indexOf(m.memoryDimension);
    this.perToken = m.memoryPerKToken / 1000;
    if (this.memIndex < 0 && this.perToken > 0) {
      throw new UserError(`memory dimension '${m.memoryDimension}' is not in the scenario (${space.names.join(', ')}); set memoryPerKToken: 0 or name another dimension`, { field: `${field}.memoryDimension` });
    }
  }

  vector(contextTokens: number, generatedTokens: number): number[] {
    const v = this.base.slice();
    if (this.memIndex >= 0) v[this.memIndex] = (v[this.memIndex] as number) + this.perToken * (contextTokens + generatedTokens);
    return v;
  }
}

export interface AzureLlmOptions extends TraceReadOptions {
  /** Overrides of the serving model (see DEFAULT_LLM_SERVING). */
  readonly model?: Partial<LlmServingModel>;
  /** Tenants and their weights; default [{ name: 'azure-conv', weight: 1 }]. */
  readonly tenants?: readonly TenantShare[];
  /** Priority classes and their weights; default [{ priority: 'high', weight: 1, sloWait: 2 }]. */
  readonly priorities?: readonly PriorityShare[];
  /** Share of requests marked preemptible (per-class `preemptibleShare` wins); default 0. */
  readonly preemptibleShare?: number;
  /**
   * If set, requestedDuration (what schedulers see) assumes this many generated tokens, since a
   * server does not know the output length in advance. Otherwise requestedDuration is left
   * unset (= the actual duration).
   */
  readonly estimateGeneratedTokens?: number;
  /** Seed of the tenant/priority assignment; default 0. */
  readonly seed?: number | string;
  /** Prefix of request ids (id = prefix + 0-based row index); default 'az-'. */
  readonly idPrefix?: string;
  /**
   * A row earlier than the one before it: `error` (default; the file is streamed), `sort` (read
   * whole, replayed sorted by TIMESTAMP, stable) or `{ window: seconds }` (streamed, rows that come
   * back at most that far reordered); counted in stats.adjusted['reordered-by-arrival'];
   * tenants and priorities are drawn in replay order, as for the file sorted by hand; ids keep the
   * row index in the file). See arrival-order.ts.
   */
  readonly unsorted?: UnsortedRule;
}

export const AZURE_DEFAULT_TENANTS: readonly TenantShare[] = [{ name: 'azure-conv', weight: 1 }];
export const AZURE_DEFAULT_PRIORITIES: readonly PriorityShare[] = [{ priority: 'high', weight: 1, sloWait: 2 }];

/**
 * A token count: a whole number ≥ 0 (`12.0`, a float column's export, is 12; `12.5` is a wrong
 * column or a damaged file), and an exact one: past 2^53 a count is rounded (as the SWF reader
 * refuses such counts), and 1e300 tokens made a request of 2e296 s whose sums overflowed the run.
 */
export function tokenCell(raw: string, cell: Cell): number {
  const v = parseNonNegativeCell(raw, cell);
  if (!Number.isInteger(v)) throw bad(cell, `'${raw}' is not a whole number of tokens`);
  if (!Number.isSafeInteger(v)) throw bad(cell, `'${raw}' is not a whole number of tokens of at most ${Number.MAX_SAFE_INTEGER} (beyond, it would be rounded)`);
  return v;
}

export const AZURE_COLUMNS = { timestamp: 'TIMESTAMP', context: 'ContextTokens', generated: 'GeneratedTokens' } as const;

/** Weighted tenant/priority/preemptible assignment, deterministic for a seed. */
export class ClassAssigner {
  private readonly tenantRng: Rng;
  private readonly prioRng: Rng;
  private readonly preemptRng: Rng;
  private readonly tenantWeights: number[];
  private readonly prioWeights: number[];

  constructor(
    seed: number | string,
    private readonly tenants: readonly TenantShare[],
    private readonly priorities: readonly PriorityShare[],
    private readonly preemptibleShare: number,
  ) {
    checkShares('tenants', tenants);
    checkShares('priorities', priorities);
    priorities.forEach((p, i) => {
      if (!isPriority(p.priority)) throw new UserError(`'${String(p.priority)}' is not a priority`, { field: `priorities[${i}].priority` });
    });
    if (!(preemptibleShare >= 0 && preemptibleShare <= 1)) throw new UserError(`must be in [0, 1], got ${preemptibleShare}`, { field: 'preemptibleShare' });
    const root = new Rng(seed);
    this.tenantRng = root.fork('tenant');
    this.prioRng = root.fork('priority');
    this.preemptRng = root.fork('preemptible');
    this.tenantWeights = tenants.map((t) => t.weight);
    this.prioWeights = priorities.map((p) => p.weight);
  }

  tenant(): string {
    return (this.tenants[drawIndex(this.tenantRng, this.tenantWeights)] as TenantShare).name;
  }

  /** Priority class, its SLO and whether this request is preemptible. */
  priority(): { priority: Priority; sloWait: number | undefined; preemptible: boolean } {
    const p = this.priorities[drawIndex(this.prioRng, this.prioWeights)] as PriorityShare;
    const share = p.preemptibleShare ?? this.preemptibleShare;
    const preemptible = share >= 1 ? true : share <= 0 ? false : this.preemptRng.bernoulli(share);
    return { priority: p.priority, sloWait: p.sloWait, preemptible };
  }
}

/** Stream the Azure LLM inference trace as Requests (see the model at the top of this file). */
export function readAzureLlmRequests(file: string, opts: AzureLlmOptions): TraceStream {
  const model = llmServingModel(opts.model);
  const demand = new LlmDemand(opts.space, model);
  const newClasses = () => new ClassAssigner(opts.seed ?? 0, opts.tenants ?? AZURE_DEFAULT_TENANTS, opts.priorities ?? AZURE_DEFAULT_PRIORITIES, opts.preemptibleShare ?? 0);
  newClasses(); // validates the lists now rather than at the first record
  const est = opts.estimateGeneratedTokens;
  if (est !== undefined && !(est >= 0)) throw new UserError(`must be ≥ 0, got ${est}`, { field: 'estimateGeneratedTokens' });
  const idPrefix = opts.idPrefix ?? 'az-';
  const limit = opts.limit ?? Infinity;
  arrivalSortFor(opts.unsorted); // the rule checked before any reading
  const stats = newTraceStats();

  async function* gen(): AsyncGenerator<Request> {
    if (limit <= 0) return;
    let cols: { ts: number; ctx: number; out: number } | undefined;
    let header: readonly string[] = [];
    const clock = new ArrivalClock(undefined, false, UNSORTED_HINT);
    const classes = newClasses(); // fresh per iteration: a stream replays identically
    /** A request from its row; the classes are drawn here, in replay order. */
    const request = (index: number, arrival: number, ctx: number, out: number): Request => {
      const cls = classes.priority();
      return {
        id: `${idPrefix}${index}`,
        tenant: classes.tenant(),
        arrival,
        demand: demand.vector(ctx, out),
        duration: llmServiceSeconds(ctx, out, model),
        priority: cls.priority,
        preemptible: cls.preemptible,
        ...(cls.sloWait !== undefined ? { sloWait: cls.sloWait } : {}),
        ...(est !== undefined ? { requestedDuration: llmServiceSeconds(ctx, est, model) } : {}),
      };
    };
    /** Under `unsorted: sort` or `{ window }`: the rows' numbers, held until given back in arrival order. */
    const held = arrivalSortFor<{ index: number; ctx: number; out: number }>(opts.unsorted);
    for await (const row of csvRows(file)) {
      if (cols === undefined) {
        const h = new CsvHeader(file, row, true);
        cols = { ts: h.require(AZURE_COLUMNS.timestamp), ctx: h.require(AZURE_COLUMNS.context), out: h.require(AZURE_COLUMNS.generated) };
        header = row.values;
        continue;
      }
      checkRowWidth(file, row, header);
      const index = stats.records++;
      const t = parseTimestampCell(cellValue(row, cols.ts), { file, line: row.line, field: AZURE_COLUMNS.timestamp }, 'iso');
      const ctxCell = { file, line: row.line, field: AZURE_COLUMNS.context };
      const outCell = { file, line: row.line, field: AZURE_COLUMNS.generated };
      const ctx = tokenCell(cellValue(row, cols.ctx), ctxCell);
      const out = tokenCell(cellValue(row, cols.out), outCell);
      checkServiceSeconds(ctx, out, model, ctxCell, outCell);
      const at = { file, line: row.line, field: AZURE_COLUMNS.timestamp };
      if (held !== undefined) {
        if (held.add(t, { index, ctx, out }, at, cellValue(row, cols.ts))) countIn(stats.adjusted, 'reordered-by-arrival');
        for (const { item, arrival } of held.release()) {
          stats.emitted++;
          noteHeld(stats, held.pending);
          yield request(item.index, arrival, item.ctx, item.out);
          if (stats.emitted >= limit) return;
        }
        continue;
      }
      const arrival = clock.relative(t, at, cellValue(row, cols.ts));
      stats.emitted++;
      yield request(index, arrival, ctx, out);
      if (stats.emitted >= limit) return;
    }
    if (cols === undefined) throw new TraceFormatError('empty file: expected the header TIMESTAMP,ContextTokens,GeneratedTokens', { file, line: 1 });
    if (stats.records === 0) throw new TraceFormatError('no records after the header: the trace holds no requests', { file, line: 2 });
    for (const { item, arrival } of held?.sorted() ?? []) {
      stats.emitted++;
      noteHeld(stats, held?.pending ?? 0);
      yield request(item.index, arrival, item.ctx, item.out);
      if (stats.emitted >= limit) return;
    }
  }

  return traceStream(stats, gen);
}
