import { z } from 'zod';
import type { ClusterView } from '../core/cluster.js';
import { estimatedDuration } from '../core/model.js';
import { loadPolicyNetFile, PolicyNet, shippedModelNames, type PolicyNetFile } from '../core/policy-net.js';
import { headThenRest, inSeqOrder, shortNarrowMarks } from './learned-candidates.js';
import { contextFeatures, CONTEXT_FEATURES } from './learned-context.js';
import { FreeCopy, MAX_FEATURE_SECONDS } from './learned-free.js';
import { RolloutPlanner } from './learned-planner.js';
import { F1_KEY } from './keys.js';
import type { BackfillPolicy, QueuePolicy, QueuedRequest } from './policy.js';
import { widthDimensionIndex, widthDimensionSchema, type WidthDimension } from './width.js';

/**
 * `learned-queue`: picks the next job with a shared per-job network (RLScheduler's kernel
 * network, Zhang et al. SC'20, written for DRS). The first `MAX_VISIBLE` = 128 waiting jobs in
 * arrival order are the candidates (the rest wait their turn, in arrival order); each gets the
 * same features, the network scores each one alone, and the job with the highest score is taken.
 *
 * Features of job j at time `now` (n_j = demand in the width dimension, r_j = requested time
 * capped at 10⁷ s (an unknown duration is infinite in production),
 * w_j = now − arrival_j; C = width capacity of the up nodes, Fr = their free width):
 *
 *   log-wait          ln(1 + w_j)
 *   log-requested     ln(1 + r_j)
 *   log-procs         ln(1 + n_j)
 *   width-share       n_j / C
 *   fits-now          1 if j fits on some up node now (all dimensions), else 0
 *   log-rel-wait      ln(1 + w_j / max(r_j, 10))      (the bounded slowdown j would have if it started now, − 1)
 *   free-share        Fr / C                          (same for every job: lets the net weigh width against room)
 *   log-queue         ln(1 + number of candidates)
 *
 * (and, by the model's feature list, time-width, log-time-to-fit and the context features below)
 *
 * The order is built as the protocol consumes it: pick the best job; if it fits, it will start,
 * so take its demand off the (copied) free capacity and pick again; the first pick that does not
 * fit becomes the head that blocks (headOfLine `commit`): it stays first in later calls until it
 * fits, without a new decision. The jobs after it follow in arrival order. A training hook (`chooser`)
 * may replace the argmax with a sampled choice; each pick is one decision of the agent.
 */
export const MAX_VISIBLE = 128;

export const QUEUE_FEATURES: readonly string[] = ['log-wait', 'log-requested', 'log-procs', 'width-share', 'fits-now', 'log-rel-wait', 'free-share', 'log-queue'];
/**
 * The same plus `time-width` = log10(max(r_j, 0.1)) · n_j / C: requested time (log) times width
 * share, the product F1 ranks by (F1 = log10(r)·n + 870·log10(submit)), which the small network
 * cannot form from the separate log-requested and width-share inputs.
 */
export const QUEUE_FEATURES_TIME_WIDTH: readonly string[] = [...QUEUE_FEATURES, 'time-width'];
/**
 * The time-width list plus `log-time-to-fit` = ln(1 + t_j), t_j the seconds until j could start
 * if it were committed as the head now (0 if it fits): free width plus the width the running jobs
 * release at their requested ends (see `FreeCopy.timeToFit`). It is what a blocking head costs
 * everyone behind it, which the other features cannot tell (they do not see the running jobs).
 */
export const QUEUE_FEATURES_TIME_TO_FIT: readonly string[] = [...QUEUE_FEATURES_TIME_WIDTH, 'log-time-to-fit'];
/**
 * The time-to-fit list plus the context features of src/queue/learned-context.ts (F1's rank and key
 * gap among the candidates, requested time and wait relative to theirs, who still fits after each):
 * what each candidate is next to the others, which a score of one job's own features cannot tell.
 */
export const QUEUE_FEATURES_CONTEXT: readonly string[] = [...QUEUE_FEATURES_TIME_TO_FIT, ...CONTEXT_FEATURES];
/** The feature lists a queue model may use (the model file names one). */
export const QUEUE_FEATURE_SETS: readonly (readonly string[])[] = [QUEUE_FEATURES, QUEUE_FEATURES_TIME_WIDTH, QUEUE_FEATURES_TIME_TO_FIT, QUEUE_FEATURES_CONTEXT];
const MAX_F = QUEUE_FEATURES_CONTEXT.length;
const BASE_F = QUEUE_FEATURES_TIME_TO_FIT.length;

/** What a training chooser may see beyond the features: the candidates themselves (a teacher order needs them). */
export interface ChoiceContext {
  /** The n candidates, in the order of the feature rows. */
  readonly candidates: readonly QueuedRequest[];
  readonly now: number;
}

/**
 * Replaces the argmax at each decision (training): returns the index picked among n candidates.
 * It reads `features` and `scores` and must not write them (the queue keeps its rows between picks).
 */
export interface QueueChooser {
  choose(features: Float64Array, n: number, scores: Float64Array, context: ChoiceContext): number;
}

export interface LearnedQueueOptions {
  readonly backfill?: BackfillPolicy;
  /** Demand dimension used as the job width (default 0 = cpu). */
  readonly widthDimension?: number;
  /** Training hook; absent at decision time (argmax). */
  readonly chooser?: QueueChooser;
  /**
   * Use the model's planner, when it has one, in runs without backfilling (default true; false:
   * the scorer decides, as with backfilling). See src/queue/learned-planner.ts.
   */
  readonly planner?: boolean;
}

/** Fill row j of `x` with the features of q (see the table above). */
export function queueFeatures(x: Float64Array, j: number, q: QueuedRequest, now: number, fits: boolean, free: { capacity: number; freeWidth: number }, candidates: number, dim: number, F = QUEUE_FEATURES.length, timeToFit = 0): void {
  const o = j * F;
  jobFeatures(x, o, q, now, free.capacity, dim, F);
  x[o + 4] = fits ? 1 : 0;
  x[o + 6] = freeShare(free);
  x[o + 7] = Math.log1p(candidates);
  if (F > 9) x[o + 9] = Math.log1p(timeToFit);
}

/**
 * The features of q that one order call does not change (all but fits-now, free-share, log-queue
 * and log-time-to-fit, which picks change) into the row of `x` at offset o.
 */
function jobFeatures(x: Float64Array, o: number, q: QueuedRequest, now: number, capacity: number, dim: number, F: number): void {
  const r = Math.min(MAX_FEATURE_SECONDS, Math.max(0, estimatedDuration(q.request)));
  const n = q.request.demand[dim] ?? 0;
  const w = Math.max(0, now - q.request.arrival);
  const cap = capacity > 0 ? capacity : Math.max(1, n);
  x[o] = Math.log1p(w);
  x[o + 1] = Math.log1p(r);
  x[o + 2] = Math.log1p(n);
  x[o + 3] = n / cap;
  x[o + 5] = Math.log1p(w / Math.max(r, 10));
  if (F > 8) x[o + 8] = (Math.log10(r > 0 ? r : 0.1) * n) / cap;
}

/** free-share: the same for every candidate of a pick. */
function freeShare(free: { capacity: number; freeWidth: number }): number {
  return free.capacity > 0 ? free.freeWidth / free.capacity : 1;
}

export class LearnedQueue implements QueuePolicy {
  readonly name: string;
  readonly blocking = true;
  readonly headOfLine = 'commit' as const;
  readonly backfill?: BackfillPolicy;
  readonly net: PolicyNet;
  chooser: QueueChooser | undefined;
  private readonly dim: number;
  private blockedHead: QueuedRequest | undefined;
  private readonly x = new Float64Array(MAX_VISIBLE * MAX_F);
  /** Features per candidate: the model's list (one of QUEUE_FEATURE_SETS). */
  readonly featureCount: number;
  /** Which jobs are candidates when more than MAX_VISIBLE wait (the model's `candidates`). */
  readonly candidateRule: 'arrival' | 'short-narrow';
  private readonly scores = new Float64Array(MAX_VISIBLE);
  /** Node each candidate fits on (−1: none), by row. */
  private readonly fits = new Int32Array(MAX_VISIBLE);
  /** What the context features read of each candidate, by row. */
  private readonly ctx = { key: new Float64Array(MAX_VISIBLE), seq: new Float64Array(MAX_VISIBLE), requested: new Float64Array(MAX_VISIBLE), width: new Float64Array(MAX_VISIBLE) };
  /** Decisions taken (picks), for tests and diagnostics. */
  decisions = 0;
  /** The model's planner, which picks instead of the scores in runs without backfilling. */
  readonly planner: RolloutPlanner | undefined;

  constructor(model: PolicyNetFile | PolicyNet, opts: LearnedQueueOptions = {}) {
    // A model with a scorer for backfilling uses it when this queue backfills.
    this.net = (model instanceof PolicyNet ? model : new PolicyNet(model)).forBackfilling(opts.backfill !== undefined);
    this.name = `learned-queue:${this.net.model.name}`;
    const names = this.net.model.features;
    if (!QUEUE_FEATURE_SETS.some((set) => set.length === names.length && set.every((f, i) => f === names[i]))) {
      throw new Error(`learned-queue: the model's features (${names.join(', ')}) are not a list this policy computes`);
    }
    this.featureCount = names.length;
    this.candidateRule = this.net.model.candidates ?? 'arrival';
    this.dim = opts.widthDimension ?? 0;
    this.chooser = opts.chooser;
    if (opts.backfill !== undefined) this.backfill = opts.backfill;
    const spec = this.net.model.planner;
    this.planner = spec !== undefined && opts.backfill === undefined && opts.planner !== false ? new RolloutPlanner(spec) : undefined;
  }

  /** Forget the committed head (a new run). */
  reset(): void {
    this.blockedHead = undefined;
  }

  order(waiting: readonly QueuedRequest[], now: number, cluster?: ClusterView): QueuedRequest[] {
    const { jobs: bySeq, distinct } = inSeqOrder(waiting);
    const free = new FreeCopy(cluster, this.dim, now);
    const head = this.blockedHead;
    if (head !== undefined && distinct) {
      // The head still does not fit (most calls): it, then the rest in arrival order, which is what
      // `finish` gives below, without choosing candidates first.
      const at = bySeq.indexOf(head);
      if (at >= 0 && free.find(head.request.demand) < 0) return headThenRest(head, bySeq, at);
    }
    const out: QueuedRequest[] = [];
    let [cand, later] = this.visible(bySeq, distinct);
    if (head !== undefined && bySeq.includes(head)) {
      out.push(head);
      cand = cand.filter((q) => q !== head);
      later = later.filter((q) => q !== head);
      const node = free.find(head.request.demand);
      if (node < 0) return this.finish(out, cand, later);
      free.take(node, head.request.demand, estimatedDuration(head.request));
    }
    this.blockedHead = undefined;
    const F = this.featureCount;
    for (let j = 0; j < cand.length; j++) jobFeatures(this.x, j * F, cand[j] as QueuedRequest, now, free.capacity, this.dim, F);
    while (cand.length > 0) {
      const n = cand.length;
      this.featurize(cand, free);
      let pick = 0;
      if (this.chooser !== undefined) pick = this.chooser.choose(this.x, n, this.scores, { candidates: cand, now });
      // The planner ranks every waiting job, as F1 does: its pick may be beyond the candidates (≥ n).
      else if (this.planner !== undefined && n + later.length >= 2) pick = this.planner.pick(cand, later, now, free.freeWidth, free.capacity, free.allReleases(), this.dim);
      else for (let j = 1; j < n; j++) if ((this.scores[j] as number) > (this.scores[pick] as number)) pick = j;
      this.decisions++;
      const beyond = pick >= n;
      const q = (beyond ? later.splice(pick - n, 1)[0] : cand.splice(pick, 1)[0]) as QueuedRequest;
      const node = beyond ? free.find(q.request.demand) : (this.fits[pick] as number);
      out.push(q);
      if (node < 0) {
        this.blockedHead = q;
        return this.finish(out, cand, later);
      }
      free.take(node, q.request.demand, estimatedDuration(q.request));
      if (!beyond) this.x.copyWithin(pick * F, (pick + 1) * F, n * F); // the rows keep following cand
    }
    // Every candidate fits: the jobs beyond the first 128 follow in arrival order; the first that
    // does not fit becomes the committed head, and the rest follow it.
    let i = 0;
    while (i < later.length) {
      const q = later[i++] as QueuedRequest;
      out.push(q);
      const node = free.find(q.request.demand);
      if (node < 0) {
        this.blockedHead = q;
        break;
      }
      free.take(node, q.request.demand, estimatedDuration(q.request));
    }
    for (; i < later.length; i++) out.push(later[i] as QueuedRequest);
    return out;
  }

  /**
   * The candidates (at most MAX_VISIBLE, in arrival order) and the rest (arrival order). With more
   * waiting jobs than that, `arrival` keeps the oldest; `short-narrow` takes, in turn, the next
   * shortest-requested job and the next narrowest one (ties: arrival) until MAX_VISIBLE differ.
   */
  private visible(bySeq: readonly QueuedRequest[], distinct: boolean): [QueuedRequest[], QueuedRequest[]] {
    if (bySeq.length <= MAX_VISIBLE || this.candidateRule === 'arrival') return [bySeq.slice(0, MAX_VISIBLE), bySeq.slice(MAX_VISIBLE)];
    const dim = this.dim;
    // Distinct seqs (the engine's queue): the same choice without sorting the queue twice.
    const marks = distinct ? shortNarrowMarks(bySeq, dim, MAX_VISIBLE) : undefined;
    if (marks !== undefined) {
      const cand: QueuedRequest[] = [];
      const rest: QueuedRequest[] = [];
      for (let i = 0; i < bySeq.length; i++) (marks[i] === 1 ? cand : rest).push(bySeq[i] as QueuedRequest);
      return [cand, rest];
    }
    const short = [...bySeq].sort((a, b) => estimatedDuration(a.request) - estimatedDuration(b.request) || a.seq - b.seq);
    const narrow = [...bySeq].sort((a, b) => (a.request.demand[dim] ?? 0) - (b.request.demand[dim] ?? 0) || a.seq - b.seq);
    const chosen = new Set<QueuedRequest>();
    for (let i = 0; chosen.size < MAX_VISIBLE; i++) {
      chosen.add(short[i] as QueuedRequest);
      if (chosen.size < MAX_VISIBLE) chosen.add(narrow[i] as QueuedRequest);
    }
    return [bySeq.filter((q) => chosen.has(q)), bySeq.filter((q) => !chosen.has(q))];
  }

  /**
   * The features a pick changes (fits-now, free-share, log-queue, log-time-to-fit) into the rows
   * of this.x, whose other features `jobFeatures` wrote at the start of the order call (so each
   * row is `queueFeatures`' row); the node each fits on into this.fits (−1: none); the scores into
   * this.scores.
   */
  private featurize(cand: readonly QueuedRequest[], free: FreeCopy): void {
    const n = cand.length;
    const F = this.featureCount;
    const x = this.x;
    const share = freeShare(free);
    const logQueue = Math.log1p(n);
    for (let j = 0; j < n; j++) {
      const demand = (cand[j] as QueuedRequest).request.demand;
      const node = free.find(demand);
      this.fits[j] = node;
      const o = j * F;
      x[o + 4] = node >= 0 ? 1 : 0;
      x[o + 6] = share;
      x[o + 7] = logQueue;
      if (F > 9) x[o + 9] = Math.log1p(free.timeToFit(demand[this.dim] ?? 0, node >= 0));
    }
    if (F > BASE_F) this.context(cand, free.freeWidth);
    this.net.scoreAll(x, n, this.scores);
  }

  /** The context features (columns BASE_F…) of the candidates' rows: see learned-context.ts. */
  private context(cand: readonly QueuedRequest[], freeWidth: number): void {
    const n = cand.length;
    const { key, seq, requested, width } = this.ctx;
    for (let j = 0; j < n; j++) {
      const q = cand[j] as QueuedRequest;
      const r = Math.min(MAX_FEATURE_SECONDS, Math.max(0, estimatedDuration(q.request)));
      const p = q.request.demand[this.dim] ?? 0;
      key[j] = F1_KEY.key({ submit: q.request.arrival, requested: r, procs: p }, 0);
      seq[j] = q.seq;
      requested[j] = r;
      width[j] = p;
    }
    contextFeatures(this.x, this.featureCount, BASE_F, n, this.ctx, freeWidth);
  }

  /**
   * After the blocking head: the other jobs in arrival order (no scoring: behind a blocked head
   * the order only matters to a backfill policy, and the protocol's EASY scans in arrival order).
   */
  private finish(out: QueuedRequest[], cand: readonly QueuedRequest[], later: readonly QueuedRequest[]): QueuedRequest[] {
    // Both lists are in arrival order: merge them (a sort here was O(n log n) per pass on long queues).
    let i = 0;
    let j = 0;
    while (i < cand.length || j < later.length) {
      const a = cand[i];
      const b = later[j];
      if (b === undefined || (a !== undefined && a.seq <= b.seq)) {
        out.push(a as QueuedRequest);
        i++;
      } else {
        out.push(b);
        j++;
      }
    }
    return out;
  }
}

/**
 * A factory of fresh learned queues sharing one loaded network (the model file is read once):
 * the reference protocol wants a new policy object per window.
 */
export function learnedQueueFactory(model: string, backfill?: BackfillPolicy): () => LearnedQueue {
  const net = new PolicyNet(loadPolicyNetFile(model, 'queue', QUEUE_FEATURE_SETS));
  return () => new LearnedQueue(net, backfill === undefined ? {} : { backfill });
}

/** `learned-queue:NAME`: the shipped model NAME (models/queue/NAME.json) or a .json path. */
export function learnedQueue(model: string, opts: LearnedQueueOptions = {}): LearnedQueue {
  return new LearnedQueue(loadPolicyNetFile(model, 'queue', QUEUE_FEATURE_SETS), opts);
}

// ---- registry entries ----------------------------------------------------------------------

const backfillOptions = {
  backfill: z.enum(['none', 'easy', 'conservative']).optional(),
  backfillDepth: z.number().int().positive().optional(),
  widthDimension: widthDimensionSchema.optional(),
  /** false: the scorer decides even where the model has a planner (runs without backfilling). */
  planner: z.boolean().optional(),
};
const shippedOptions = z.object(backfillOptions).strict();
/** The model of `learned-queue` without option `model`. */
export const DEFAULT_QUEUE_MODEL = 'sdsc-sp2';
const anyModelOptions = z.object({ model: z.string().min(1).default(DEFAULT_QUEUE_MODEL), ...backfillOptions }).strict();

type BackfillChoice = { backfill?: 'none' | 'easy' | 'conservative'; backfillDepth?: number };
export interface LearnedQueueEntry {
  readonly summary: string;
  readonly options: z.ZodType;
  readonly create: (options: never, dimensions?: readonly string[]) => QueuePolicy;
}

/** Names of the shipped queue models (models/queue/*.json). */
export function shippedQueueModels(): string[] {
  return shippedModelNames('queue');
}

/**
 * Registry entries: `learned-queue` (option `model`: a shipped name or a .json path) and one
 * `learned-queue:NAME` per shipped model. `withBackfill` is the registry's backfill factory.
 */
export function learnedQueueEntries(withBackfill: (o: BackfillChoice) => { backfill?: BackfillPolicy }): Record<string, LearnedQueueEntry> {
  const make = (model: string, o: BackfillChoice & { widthDimension?: WidthDimension; planner?: boolean }, dimensions: readonly string[] | undefined): QueuePolicy => {
    const b = withBackfill({ ...(o.backfill === undefined ? {} : { backfill: o.backfill }), ...(o.backfillDepth === undefined ? {} : { backfillDepth: o.backfillDepth }) }).backfill;
    const width = widthDimensionIndex(o.widthDimension, dimensions, 'queue.options.widthDimension');
    return learnedQueue(model, { ...(b === undefined ? {} : { backfill: b }), ...(width === undefined ? {} : { widthDimension: width }), ...(o.planner === undefined ? {} : { planner: o.planner }) });
  };
  const out: Record<string, LearnedQueueEntry> = {
    'learned-queue': {
      summary: 'learned: a per-job network picks the next job (model: a shipped name or a .json file)',
      options: anyModelOptions,
      create: (o: z.infer<typeof anyModelOptions>, d?: readonly string[]) => make(o.model, o, d),
    },
  };
  for (const name of shippedQueueModels()) {
    out[`learned-queue:${name}`] = {
      summary: `learned queue model '${name}' (models/queue/${name}.json)`,
      options: shippedOptions,
      create: (o: z.infer<typeof shippedOptions>, d?: readonly string[]) => make(name, o, d),
    };
  }
  return out;
}
