import { TraceFormatError, UserError } from '../core/errors.js';
import { poolGpuModel } from '../core/gpu.js';
import type { PoolSpec, Request } from '../core/model.js';
import { isPriority, PRIORITIES, type Priority } from '../core/priority.js';
import { arrivalTooLate, boundedSeconds, type Cell, cellValue, checkRowWidth, CsvHeader, csvRows, parseNonNegativeCell, parseNumberCell, UniqueIds } from './reading.js';
import { countIn, newTraceStats, noteHeld, nothingToReplay, traceStream, type TraceStream } from './trace-stats.js';
import type { TraceReadOptions } from './types.js';
import { dimIndex, type AlibabaDimensions } from './alibaba-dimensions.js';

export type { AlibabaDimensions } from './alibaba-dimensions.js';
export { DEFAULT_NODE_PRICES, GPU_MODEL_LABEL, MAX_NODE_GPUS, readAlibabaNodePools, type AlibabaNodeOptions } from './alibaba-nodes.js';

/*
 * Alibaba GPU cluster trace 2023 ("openb", Weng et al., USENIX ATC 2023).
 *
 * Pod lists (openb_pod_list_*.csv[.gz]):
 *
 *   name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
 *
 * become Requests:
 *
 *   id          = name (a name replayed twice is a TraceFormatError naming both lines)
 *   demand      cpu = cpu_milli / 1000, memory = memory_mib / 1024 (GiB), gpu = num_gpu × gpu_milli / 1000
 *               (gpu_milli is the share of *each* GPU: 0..1000. Sharing pods have num_gpu = 1 and
 *               gpu_milli < 1000; in the data every pod with num_gpu > 1 has gpu_milli = 1000.
 *               The column is required: every public pod list has it, and read as whole GPUs
 *               a misspelt header would turn shared pods into whole-GPU pods without a word.)
 *   arrival     = creation_time (seconds) relative to the earliest emitted pod's creation_time.
 *               A pod list is a list, not a log: 13 of the paper's 23 public pod lists (cpu050,
 *               gpushare40, ...) are not in creation order, so the pods are replayed sorted by
 *               creation_time (stable: ties keep file order); how many came earlier than a pod
 *               above them counts in stats.adjusted['reordered-by-creation-time']. The lists are
 *               small (thousands of pods), so they are held in memory for the sort.
 *   duration    = deletion_time − creation_time (seconds). Pods still running when the trace was
 *               cut have deletion_time = the trace end, so their durations are censored.
 *   priority    from qos: Guaranteed → critical, LS (latency-sensitive) → high, Burstable → medium,
 *               BE (best effort) → low (`qosPriority`); empty → `defaultPriority`; unknown: an error.
 *   preemptible = qos ∈ `preemptibleQos` (default ['BE'])
 *   tenant      = the qos class (the trace has no user or team), or the constant `tenant`
 *   gpuModels   gpu_spec 'V100M16' or 'V100M16|V100M32' (any of them) → ['V100M16', 'V100M32'];
 *               a pod may then only run on nodes of those GPU models (pool `gpus.model` or
 *               `gpuModel` label). When the scenario's pools are passed (`pools`), a spec naming
 *               no model any pool has is a TraceFormatError (field gpu_spec).
 *
 * Device form (core/gpu.ts): gpu = num_gpu × gpu_milli / 1000 is a share of ONE device when
 * num_gpu = 1 and gpu_milli < 1000, else num_gpu whole devices. A pod asking for a share of
 * several devices (num_gpu > 1 with gpu_milli < 1000) cannot be placed on devices and is a
 * TraceFormatError (field gpu_milli), as is gpu_milli > 1000, and a pod whose two columns disagree
 * on whether it uses a GPU at all (num_gpu 0 with gpu_milli > 0, or num_gpu > 0 with gpu_milli 0).
 *
 * Every pod phase (Running, Succeeded, Failed, Pending) is replayed by default, as in the
 * paper's simulator; `phases` restricts it (the others count in stats.skipped['phase:<phase>']).
 *
 * Documented, counted rules for bad times (never a silent skip):
 *   - no deletion_time (empty cell): `noDeletion` 'skip' (default; skipped['no-deletion-time']),
 *     'error', or a number of seconds to run instead (adjusted['no-deletion-time']).
 *   - duration ≤ 0 (deleted the second it was created; one pod in `default`): `nonPositive`
 *     'skip' (default; skipped['non-positive-duration']), 'clamp' to `minDuration` (default 1 s;
 *     adjusted['non-positive-duration']) or 'error'.
 *   - a file without creation_time/deletion_time columns (multigpu30 is a static packing list):
 *     a TraceFormatError, unless `staticDuration` is set: then every pod arrives at 0 and runs
 *     that many seconds (adjusted['static-times']).
 *
 * Node lists (openb_node_list_*.csv[.gz]: sn,cpu_milli,memory_mib,gpu,model) become PoolSpec[]
 * (readAlibabaNodePools, in alibaba-nodes.ts; exported from here too). In both, a row with more or fewer cells than the header is a
 * TraceFormatError at its line: an extra cell would be dropped unread, a missing one read as
 * empty (a shifted or cut-off row); so is a file with a header and no rows.
 */

/** Kubernetes pod phases, as the openb traces spell them. */
const POD_PHASES: readonly string[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
export const DEFAULT_QOS_PRIORITY: Readonly<Record<string, Priority>> = {
  Guaranteed: 'critical',
  LS: 'high',
  Burstable: 'medium',
  BE: 'low',
};

export interface AlibabaPodOptions extends TraceReadOptions {
  readonly qosPriority?: Readonly<Record<string, Priority>>;
  /** Priority of a pod with an empty qos (or a file without the column); default 'medium'. */
  readonly defaultPriority?: Priority;
  /** QoS classes whose pods are preemptible; default ['BE']. */
  readonly preemptibleQos?: readonly string[];
  /** Constant tenant; default: the pod's qos class (or 'openb' when empty). */
  readonly tenant?: string;
  /** SLO wait per priority, seconds; default none. */
  readonly sloWait?: Readonly<Partial<Record<Priority, number>>>;
  /** Replay only pods in these phases; default all. */
  readonly phases?: readonly string[];
  readonly noDeletion?: 'skip' | 'error' | number;
  readonly nonPositive?: 'skip' | 'clamp' | 'error';
  /** Duration given to clamped pods, seconds; default 1. */
  readonly minDuration?: number;
  /** For files without times: every pod arrives at 0 and runs this long. */
  readonly staticDuration?: number;
  readonly dimensions?: AlibabaDimensions;
  /** The scenario's pools, to turn an any-of gpu_spec into constraints.pools. */
  readonly pools?: readonly PoolSpec[];
}

/**
 * Parse a gpu_spec cell: '' → [], 'A|B|B' → ['A', 'B']. 'nan' (any case) is no constraint, as
 * the dataset's README says: pandas writes a missing spec so with `na_rep='nan'`.
 */
export function parseGpuSpec(raw: string): string[] {
  return [...new Set(raw.split('|').map((s) => s.trim()).filter((s) => s !== '' && !isNanCell(s)))];
}

/** A pandas missing value written out ('nan', 'NaN'): the openb README's word for "none". */
function isNanCell(s: string): boolean {
  return s.toLowerCase() === 'nan';
}

/** Stream an openb pod list as Requests (rules at the top of this file). */
export function readAlibabaPodRequests(file: string, opts: AlibabaPodOptions): TraceStream {
  const { space } = opts;
  const iCpu = dimIndex(space, opts.dimensions, 'cpu');
  const iMem = dimIndex(space, opts.dimensions, 'memory');
  const iGpu = dimIndex(space, opts.dimensions, 'gpu');
  const qosPriority = opts.qosPriority ?? DEFAULT_QOS_PRIORITY;
  for (const [q, p] of Object.entries(qosPriority)) {
    if (!isPriority(p)) throw new UserError(`'${String(p)}' is not a priority (${PRIORITIES.join(', ')})`, { field: `qosPriority.${q}` });
  }
  const defaultPriority = opts.defaultPriority ?? 'medium';
  const preemptibleQos = new Set(opts.preemptibleQos ?? ['BE']);
  const phases = opts.phases === undefined ? undefined : new Set(opts.phases);
  // Kubernetes' pod phases (what openb's pod_phase holds): a misspelt one would silently keep no pod.
  opts.phases?.forEach((ph, i) => {
    if (!POD_PHASES.includes(ph)) throw new UserError(`unknown pod phase '${ph}' (the phases are ${POD_PHASES.join(', ')})`, { field: `phases[${i}]` });
  });
  const noDeletion = opts.noDeletion ?? 'skip';
  const nonPositive = opts.nonPositive ?? 'skip';
  const minDuration = opts.minDuration ?? 1;
  if (!(minDuration > 0)) throw new UserError(`must be > 0, got ${minDuration}`, { field: 'minDuration' });
  if (typeof noDeletion === 'number' && !(noDeletion > 0)) throw new UserError(`must be 'skip', 'error' or seconds > 0, got ${noDeletion}`, { field: 'noDeletion' });
  if (opts.staticDuration !== undefined && !(opts.staticDuration > 0)) throw new UserError(`must be > 0, got ${opts.staticDuration}`, { field: 'staticDuration' });
  const knownModels = opts.pools === undefined ? undefined : new Set(opts.pools.map(poolGpuModel).filter((m): m is string => m !== undefined));
  const limit = opts.limit ?? Infinity;
  const stats = newTraceStats();

  async function* gen(): AsyncGenerator<Request> {
    if (limit <= 0) return;
    type Cols = {
      name: number;
      cpu: number;
      mem: number;
      numGpu: number;
      gpuMilli: number;
      spec: number | undefined;
      qos: number | undefined;
      phase: number | undefined;
      created: number | undefined;
      deleted: number | undefined;
    };
    let cols: Cols | undefined;
    let header: readonly string[] = [];
    const ids = new UniqueIds();
    /** Timed pods, held for the sort by creation_time (arrival set when they are yielded). */
    const timed: { req: Request; created: number; line: number }[] = [];
    let latest = -Infinity;
    for await (const row of csvRows(file)) {
      if (cols === undefined) {
        header = row.values;
        const h = new CsvHeader(file, row, true);
        const created = h.optional('creation_time');
        const deleted = h.optional('deletion_time');
        if (created === undefined || deleted === undefined) {
          if (opts.staticDuration === undefined) {
            const missing = created === undefined ? 'creation_time' : 'deletion_time';
            throw new TraceFormatError(
              `missing column '${missing}'; header has: ${row.values.join(', ')}. A pod list without times (like multigpu30) is a static packing list: set staticDuration to replay it with every pod arriving at 0`,
              { file, line: row.line, field: missing },
            );
          }
        }
        cols = {
          name: h.require('name'),
          cpu: h.require('cpu_milli'),
          mem: h.require('memory_mib'),
          numGpu: h.require('num_gpu'),
          gpuMilli: h.require('gpu_milli'),
          spec: h.optional('gpu_spec'),
          qos: h.optional('qos'),
          phase: h.optional('pod_phase'),
          created: opts.staticDuration === undefined ? created : undefined,
          deleted: opts.staticDuration === undefined ? deleted : undefined,
        };
        continue;
      }
      checkRowWidth(file, row, header);
      stats.records++;
      const c = cols;
      const cell = (field: string): Cell => ({ file, line: row.line, field });
      const v = (at: number) => cellValue(row, at);

      if (phases !== undefined) {
        const ph = c.phase === undefined ? '' : v(c.phase);
        if (!phases.has(ph)) {
          countIn(stats.skipped, `phase:${ph || '(none)'}`);
          continue;
        }
      }

      let created: number | undefined;
      let duration: number;
      if (c.created === undefined || c.deleted === undefined) {
        duration = opts.staticDuration as number;
        countIn(stats.adjusted, 'static-times');
      } else {
        created = parseNumberCell(v(c.created), cell('creation_time'));
        const delRaw = v(c.deleted);
        if (delRaw === '') {
          if (noDeletion === 'skip') {
            countIn(stats.skipped, 'no-deletion-time');
            continue;
          }
          if (noDeletion === 'error') throw new TraceFormatError('empty deletion_time (set noDeletion to skip these pods or to a duration in seconds)', cell('deletion_time'));
          duration = noDeletion;
          countIn(stats.adjusted, 'no-deletion-time');
        } else {
          duration = boundedSeconds(parseNumberCell(delRaw, cell('deletion_time')) - created, cell('deletion_time'), 'duration');
          if (duration <= 0) {
            if (nonPositive === 'skip') {
              countIn(stats.skipped, 'non-positive-duration');
              continue;
            }
            if (nonPositive === 'error') throw new TraceFormatError(`deletion_time is ${-duration} s before or at creation_time (set nonPositive to skip or clamp)`, cell('deletion_time'));
            duration = minDuration;
            countIn(stats.adjusted, 'non-positive-duration');
          }
        }
      }

      const numGpu = parseNonNegativeCell(v(c.numGpu), cell('num_gpu'));
      const gpuMilli = parseNonNegativeCell(v(c.gpuMilli), cell('gpu_milli'));
      if (gpuMilli > 1000) throw new TraceFormatError(`${gpuMilli} milli of one GPU exceeds 1000 (gpu_milli is the share of each GPU, 1000 = a whole GPU)`, cell('gpu_milli'));
      // num_gpu first: 1.5 GPUs of 500 milli was blamed on gpu_milli, as a share of several GPUs.
      if (!Number.isInteger(numGpu)) throw new TraceFormatError(`${numGpu} is not a whole number of GPUs`, cell('num_gpu'));
      if (numGpu > 1 && gpuMilli > 0 && gpuMilli < 1000) throw new TraceFormatError(`${numGpu} GPUs with ${gpuMilli} milli each: a pod takes a share of ONE GPU or whole GPUs`, cell('gpu_milli'));
      // The two columns must agree on whether the pod uses a GPU: either one read alone as 0 GPU
      // would drop the other's request without a word (CPU pods have num_gpu = 0 and gpu_milli = 0).
      if (numGpu === 0 && gpuMilli > 0) throw new TraceFormatError(`num_gpu is 0 but gpu_milli is ${gpuMilli}: does the pod use a GPU? (a CPU pod has 0 in both)`, cell('gpu_milli'));
      if (numGpu > 0 && gpuMilli === 0) throw new TraceFormatError(`${numGpu} GPU(s) with 0 milli each: does the pod use a GPU? (gpu_milli is the share of each GPU, 1000 = a whole GPU; a CPU pod has 0 in both)`, cell('gpu_milli'));
      const demand = new Array<number>(space.size).fill(0);
      demand[iCpu] = parseNonNegativeCell(v(c.cpu), cell('cpu_milli')) / 1000;
      demand[iMem] = parseNonNegativeCell(v(c.mem), cell('memory_mib')) / 1024;
      demand[iGpu] = (numGpu * gpuMilli) / 1000;

      const qos = c.qos === undefined ? '' : v(c.qos);
      let priority = defaultPriority;
      if (qos !== '') {
        const p = qosPriority[qos];
        if (p === undefined) throw new TraceFormatError(`unknown qos '${qos}' (known: ${Object.keys(qosPriority).join(', ')}; set qosPriority)`, cell('qos'));
        priority = p;
      }
      const id = v(c.name);
      if (id === '') throw new TraceFormatError('empty pod name', cell('name'));
      ids.check(id, cell('name'));
      const gpuModels = c.spec === undefined || numGpu === 0 ? [] : parseGpuSpec(v(c.spec));
      if (knownModels !== undefined && gpuModels.length > 0 && !gpuModels.some((m) => knownModels.has(m))) {
        throw new TraceFormatError(`GPU model ${gpuModels.join('|')} is on no node (models: ${[...knownModels].sort().join(', ') || 'none'})`, cell('gpu_spec'));
      }
      const slo = opts.sloWait?.[priority];
      const req: Request = {
        id,
        tenant: opts.tenant ?? (qos || 'openb'),
        arrival: 0,
        demand,
        duration,
        priority,
        preemptible: preemptibleQos.has(qos),
        ...(slo !== undefined ? { sloWait: slo } : {}),
        ...(gpuModels.length > 0 ? { gpuModels } : {}),
      };
      if (created !== undefined) {
        if (created < latest) countIn(stats.adjusted, 'reordered-by-creation-time');
        latest = Math.max(latest, created);
        timed.push({ req, created, line: row.line });
        continue;
      }
      stats.emitted++;
      yield req;
      if (stats.emitted >= limit) return;
    }
    if (cols === undefined) throw new TraceFormatError('empty file: expected a header row', { file, line: 1 });
    if (stats.records === 0) throw new TraceFormatError('no records after the header: the trace holds no pods', { file, line: 2 });
    if (timed.length === 0 && stats.emitted === 0) throw nothingToReplay(file, stats, 'the options that skip pods (phases, noDeletion, nonPositive)');
    // Array.prototype.sort is stable: pods created in the same second keep their file order.
    timed.sort((a, b) => a.created - b.created);
    const origin = timed[0]?.created ?? 0;
    for (const [i, { req, created, line }] of timed.entries()) {
      const late = arrivalTooLate(String(created), created - origin, origin);
      if (late !== undefined) throw new TraceFormatError(late, { file, line, field: 'creation_time' });
      stats.emitted++;
      noteHeld(stats, timed.length - i - 1);
      yield { ...req, arrival: created - origin };
      if (stats.emitted >= limit) return;
    }
  }

  return traceStream(stats, gen);
}
