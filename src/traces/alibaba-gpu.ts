import { TraceFormatError, UserError } from '../core/errors.js';
import { poolGpuModel } from '../core/gpu.js';
import type { PoolSpec, Request } from '../core/model.js';
import { isPriority, PRIORITIES, type Priority } from '../core/priority.js';
import type { ResourceSpace } from '../core/resources.js';
import { ArrivalClock, type Cell, cellValue, checkRowWidth, countIn, CsvHeader, csvRows, newTraceStats, parseNonNegativeCell, parseNumberCell, traceStream, type TraceStream, UniqueIds } from './reading.js';
import type { TraceReadOptions } from './types.js';

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
 *               Files without a gpu_milli column, like multigpu30, mean whole GPUs.)
 *   arrival     = creation_time (seconds) relative to the first pod's creation_time
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
 * TraceFormatError (field gpu_milli), as is gpu_milli > 1000.
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
 * (readAlibabaNodePools below). In both, a row with more or fewer cells than the header is a
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

/** Which scenario dimension each openb quantity goes to. */
export interface AlibabaDimensions {
  readonly cpu?: string;
  readonly memory?: string;
  readonly gpu?: string;
}

const DEFAULT_DIMS = { cpu: 'cpu', memory: 'memory', gpu: 'gpu' } as const;

/** The most GPU devices a node of an openb node list may have (a larger count is a typo, not a machine). */
export const MAX_NODE_GPUS = 1024;

export const GPU_MODEL_LABEL = 'gpuModel';

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

function dimIndex(space: ResourceSpace, dims: AlibabaDimensions | undefined, key: keyof AlibabaDimensions): number {
  const name = dims?.[key] ?? DEFAULT_DIMS[key];
  const i = space.indexOf(name);
  if (i < 0) throw new UserError(`the openb ${key} column maps to dimension '${name}', which the scenario lacks (it has: ${space.names.join(', ')})`, { field: `dimensions.${key}` });
  return i;
}

/** Parse a gpu_spec cell: '' → [], 'A|B|B' → ['A', 'B']. */
export function parseGpuSpec(raw: string): string[] {
  return [...new Set(raw.split('|').map((s) => s.trim()).filter((s) => s !== ''))];
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
      gpuMilli: number | undefined;
      spec: number | undefined;
      qos: number | undefined;
      phase: number | undefined;
      created: number | undefined;
      deleted: number | undefined;
    };
    let cols: Cols | undefined;
    let header: readonly string[] = [];
    const clock = new ArrivalClock();
    const ids = new UniqueIds();
    for await (const row of csvRows(file)) {
      if (cols === undefined) {
        header = row.values;
        const h = new CsvHeader(file, row.values);
        const created = h.optional('creation_time');
        const deleted = h.optional('deletion_time');
        if (created === undefined || deleted === undefined) {
          if (opts.staticDuration === undefined) {
            const missing = created === undefined ? 'creation_time' : 'deletion_time';
            throw new TraceFormatError(
              `missing column '${missing}'; header has: ${row.values.join(', ')}. A pod list without times (like multigpu30) is a static packing list: set staticDuration to replay it with every pod arriving at 0`,
              { file, line: 1, field: missing },
            );
          }
        }
        cols = {
          name: h.require('name'),
          cpu: h.require('cpu_milli'),
          mem: h.require('memory_mib'),
          numGpu: h.require('num_gpu'),
          gpuMilli: h.optional('gpu_milli'),
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

      let arrival: number;
      let duration: number;
      if (c.created === undefined || c.deleted === undefined) {
        arrival = 0;
        duration = opts.staticDuration as number;
        countIn(stats.adjusted, 'static-times');
      } else {
        const created = parseNumberCell(v(c.created), cell('creation_time'));
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
          duration = parseNumberCell(delRaw, cell('deletion_time')) - created;
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
        arrival = clock.relative(created, cell('creation_time'));
      }

      const numGpu = parseNonNegativeCell(v(c.numGpu), cell('num_gpu'));
      const gpuMilli = c.gpuMilli === undefined ? 1000 : parseNonNegativeCell(v(c.gpuMilli), cell('gpu_milli'));
      if (gpuMilli > 1000) throw new TraceFormatError(`${gpuMilli} milli of one GPU exceeds 1000 (gpu_milli is the share of each GPU, 1000 = a whole GPU)`, cell('gpu_milli'));
      if (numGpu > 1 && gpuMilli > 0 && gpuMilli < 1000) throw new TraceFormatError(`${numGpu} GPUs with ${gpuMilli} milli each: a pod takes a share of ONE GPU or whole GPUs`, cell('gpu_milli'));
      if (!Number.isInteger(numGpu)) throw new TraceFormatError(`${numGpu} is not a whole number of GPUs`, cell('num_gpu'));
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
        arrival,
        demand,
        duration,
        priority,
        preemptible: preemptibleQos.has(qos),
        ...(slo !== undefined ? { sloWait: slo } : {}),
        ...(gpuModels.length > 0 ? { gpuModels } : {}),
      };
      stats.emitted++;
      yield req;
      if (stats.emitted >= limit) return;
    }
    if (cols === undefined) throw new TraceFormatError('empty file: expected a header row', { file, line: 1 });
    if (stats.records === 0) throw new TraceFormatError('no records after the header: the trace holds no pods', { file, line: 2 });
  }

  return traceStream(stats, gen);
}

// ---------------------------------------------------------------------------------------------
// Node lists → pools

/**
 * Default prices, in currency units per hour: round figures of the order of public-cloud
 * on-demand list prices (not a quote for any provider): 2.00 per GPU-hour whatever the model,
 * 0.04 per vCPU-hour, 0.005 per GiB-hour of memory. A node's price is the sum over its parts:
 *
 *   pricePerHour = gpus × gpuPrice(model) + cpus × pricePerCpuHour + memoryGiB × pricePerGiBHour
 */
export const DEFAULT_NODE_PRICES = { pricePerGpuHour: 2.0, pricePerCpuHour: 0.04, pricePerGiBHour: 0.005 } as const;

export interface AlibabaNodeOptions {
  readonly space: ResourceSpace;
  /** Per-GPU price per hour; default 2.00. */
  readonly pricePerGpuHour?: number;
  /** Per-GPU price per hour by GPU model (overrides pricePerGpuHour for that model). */
  readonly gpuPriceByModel?: Readonly<Record<string, number>>;
  readonly pricePerCpuHour?: number;
  readonly pricePerGiBHour?: number;
  /** Latency of every pool, ms; default 0. */
  readonly latencyMs?: number;
  /** Node boot time, seconds; default 120. */
  readonly bootSeconds?: number;
  /** Pool name prefix; default 'openb-'. */
  readonly namePrefix?: string;
  /** Node counts: min = ⌊count × minFraction⌋ (default 1 = fixed) and max = ⌈count × maxFactor⌉ (default 1). */
  readonly minFraction?: number;
  readonly maxFactor?: number;
  readonly dimensions?: AlibabaDimensions;
  /** Extra labels on every pool. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Declare each node's GPUs as devices (default true); false keeps the scalar GPU. */
  readonly gpuDevices?: boolean;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

/**
 * Read an openb node list into pools: nodes grouped by (cpu, memory, gpu count, GPU model), in
 * the order each group first appears. Pool name `<prefix><model>x<gpus>-<cpus>c-<memGiB>g` (or
 * `<prefix>cpu-<cpus>c-<memGiB>g` without GPUs), labels { gpuModel } when there is a model,
 * node count fixed at the group size unless minFraction / maxFactor say otherwise. Small file:
 * the result is an array.
 */
export async function readAlibabaNodePools(file: string, opts: AlibabaNodeOptions): Promise<PoolSpec[]> {
  const { space } = opts;
  const iCpu = dimIndex(space, opts.dimensions, 'cpu');
  const iMem = dimIndex(space, opts.dimensions, 'memory');
  const gpuName = opts.dimensions?.gpu ?? DEFAULT_DIMS.gpu;
  const iGpu = space.indexOf(gpuName);
  const gpuPrice = opts.pricePerGpuHour ?? DEFAULT_NODE_PRICES.pricePerGpuHour;
  const cpuPrice = opts.pricePerCpuHour ?? DEFAULT_NODE_PRICES.pricePerCpuHour;
  const memPrice = opts.pricePerGiBHour ?? DEFAULT_NODE_PRICES.pricePerGiBHour;
  const minFraction = opts.minFraction ?? 1;
  const maxFactor = opts.maxFactor ?? 1;
  if (!(minFraction >= 0 && minFraction <= 1)) throw new UserError(`must be in [0, 1], got ${minFraction}`, { field: 'minFraction' });
  if (!(maxFactor >= 1)) throw new UserError(`must be ≥ 1, got ${maxFactor}`, { field: 'maxFactor' });
  const prefix = opts.namePrefix ?? 'openb-';

  const groups = new Map<string, { cpu: number; mem: number; gpu: number; model: string; count: number; names: string[] }>();
  const seenNames = new Map<string, number>();
  let cols: { sn: number | undefined; cpu: number; mem: number; gpu: number; model: number | undefined } | undefined;
  let header: readonly string[] = [];
  for await (const row of csvRows(file)) {
    if (cols === undefined) {
      header = row.values;
      const h = new CsvHeader(file, row.values);
      cols = { sn: h.optional('sn'), cpu: h.require('cpu_milli'), mem: h.require('memory_mib'), gpu: h.require('gpu'), model: h.optional('model') };
      continue;
    }
    checkRowWidth(file, row, header);
    const cell = (field: string): Cell => ({ file, line: row.line, field });
    const cpu = parseNonNegativeCell(cellValue(row, cols.cpu), cell('cpu_milli')) / 1000;
    const mem = parseNonNegativeCell(cellValue(row, cols.mem), cell('memory_mib')) / 1024;
    const gpu = parseNonNegativeCell(cellValue(row, cols.gpu), cell('gpu'));
    if (!Number.isInteger(gpu)) throw new TraceFormatError(`${gpu} is not a whole number of GPU devices`, cell('gpu'));
    // Each device is a slot of the node's device table: 1e308 crashed it with a RangeError stack trace.
    if (gpu > MAX_NODE_GPUS) throw new TraceFormatError(`${gpu} GPU devices on one node; at most ${MAX_NODE_GPUS} (the openb nodes have up to 8)`, cell('gpu'));
    const model = cols.model === undefined ? '' : cellValue(row, cols.model);
    if (gpu > 0 && iGpu < 0) throw new TraceFormatError(`node has ${gpu} GPUs but the scenario has no '${gpuName}' dimension (it has: ${space.names.join(', ')})`, cell('gpu'));
    const key = `${cpu}|${mem}|${gpu}|${model}`;
    const name = cols.sn === undefined ? '' : cellValue(row, cols.sn);
    // A node listed twice would count twice (a bigger cluster than the data's).
    if (name !== '') {
      const first = seenNames.get(name);
      if (first !== undefined) throw new TraceFormatError(`node '${name}' is listed twice (first on line ${first})`, cell('sn'));
      seenNames.set(name, row.line);
    }
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.names.push(name);
    } else groups.set(key, { cpu, mem, gpu, model, count: 1, names: [name] });
  }
  if (cols === undefined) throw new TraceFormatError('empty file: expected a header row', { file, line: 1 });
  if (groups.size === 0) throw new TraceFormatError('no nodes after the header: the node list gives no pool', { file, line: 2 });
  const pools: PoolSpec[] = [];
  for (const g of groups.values()) {
    const capacity = new Array<number>(space.size).fill(0);
    capacity[iCpu] = g.cpu;
    capacity[iMem] = g.mem;
    if (iGpu >= 0) capacity[iGpu] = g.gpu;
    const perGpu = (g.model !== '' ? opts.gpuPriceByModel?.[g.model] : undefined) ?? gpuPrice;
    const price = g.gpu * perGpu + g.cpu * cpuPrice + g.mem * memPrice;
    const kind = g.gpu > 0 ? `${g.model || 'gpu'}x${fmt(g.gpu)}` : 'cpu';
    pools.push({
      name: `${prefix}${kind}-${fmt(g.cpu)}c-${fmt(g.mem)}g`,
      capacity,
      nodes: { min: Math.floor(g.count * minFraction), max: Math.ceil(g.count * maxFactor), initial: g.count },
      pricePerHour: Math.round(price * 1e6) / 1e6,
      latencyMs: opts.latencyMs ?? 0,
      bootSeconds: opts.bootSeconds ?? 120,
      labels: { ...(opts.labels ?? {}), ...(g.model !== '' ? { [GPU_MODEL_LABEL]: g.model } : {}) },
      ...(g.names.every((n) => n !== '') ? { nodeNames: g.names } : {}),
      ...(g.gpu > 0 && iGpu >= 0 && opts.gpuDevices !== false ? { gpus: { count: g.gpu, ...(g.model !== '' ? { model: g.model } : {}) } } : {}),
    });
  }
  return pools;
}
