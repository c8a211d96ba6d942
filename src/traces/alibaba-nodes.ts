import { TraceFormatError, UserError } from '../core/errors.js';
import { MAX_NODE_CAPACITY, MAX_NODE_GPUS, MAX_POOL_NODES, POOL_NODES_LIMIT } from '../core/fields.js';
import { GPU_MODEL_LABEL } from '../core/gpu.js';
import type { PoolSpec } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { DEFAULT_DIMS, dimIndex, type AlibabaDimensions } from './alibaba-dimensions.js';
import { type Cell, cellValue, checkRowWidth, CsvHeader, csvRows, parseNonNegativeCell } from './reading.js';

/*
 * Alibaba GPU cluster trace 2023 ("openb"): node lists (openb_node_list_*.csv[.gz]:
 * sn,cpu_milli,memory_mib,gpu,model) become PoolSpec[], one pool per node shape. Pod lists, the
 * workload, are read in alibaba-gpu.ts. A row with more or fewer cells than the header is a
 * TraceFormatError at its line, as is a file with a header and no rows.
 */

export { MAX_NODE_GPUS };

/** The label a node's GPU model goes under: the toolkit's one (core/gpu.ts), re-exported where the openb readers always exported it. */
export { GPU_MODEL_LABEL } from '../core/gpu.js';

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
 * A node-list pool's max nodes, ⌈count × maxFactor⌉, within the limit a scenario's own pools
 * have (MAX_POOL_NODES): maxFactor 1e9 made a pool of 2e9 nodes that no run can hold. Past it,
 * the list itself when its `count` nodes alone are too many (a TraceFormatError naming `file`),
 * else maxFactor, with the largest factor that fits this list (rounded down, so it does).
 */
export function checkPoolMaxNodes(pool: string, count: number, maxFactor: number, file: string): number {
  const max = Math.ceil(count * maxFactor);
  if (max <= MAX_POOL_NODES) return max;
  const n = (x: number): string => x.toLocaleString('en-US');
  if (count > MAX_POOL_NODES) throw new TraceFormatError(`pool '${pool}' has ${n(count)} nodes in the node list: ${POOL_NODES_LIMIT}`, { file });
  const fits = Math.floor((MAX_POOL_NODES / count) * 1000) / 1000;
  throw new UserError(`${String(maxFactor)} takes pool '${pool}' (${n(count)} nodes in the node list) to ${n(max)} nodes: ${POOL_NODES_LIMIT}; a maxFactor of at most ${fmt(fits)} fits this list`, { field: 'maxFactor' });
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
      const h = new CsvHeader(file, row, true);
      cols = { sn: h.optional('sn'), cpu: h.require('cpu_milli'), mem: h.require('memory_mib'), gpu: h.require('gpu'), model: h.optional('model') };
      continue;
    }
    checkRowWidth(file, row, header);
    const cell = (field: string): Cell => ({ file, line: row.line, field });
    const cpu = parseNonNegativeCell(cellValue(row, cols.cpu), cell('cpu_milli')) / 1000;
    const mem = parseNonNegativeCell(cellValue(row, cols.mem), cell('memory_mib')) / 1024;
    // The bound a scenario's own pools have (core/fields.ts): 1e308 cpu_milli gave a pool of 1e305 cores, cost ∞ and a NaN% cost share.
    for (const [v, unit, field] of [[cpu, 'cores', 'cpu_milli'], [mem, 'GiB', 'memory_mib']] as const) {
      if (v > MAX_NODE_CAPACITY) throw new TraceFormatError(`${v} ${unit} on one node; at most 1e15 (a larger capacity overflows the pool's totals)`, cell(field));
    }
    const gpu = parseNonNegativeCell(cellValue(row, cols.gpu), cell('gpu'));
    if (!Number.isInteger(gpu)) throw new TraceFormatError(`${gpu} is not a whole number of GPU devices`, cell('gpu'));
    // Each device is a slot of the node's device table: 1e308 crashed it with a RangeError stack trace.
    if (gpu > MAX_NODE_GPUS) throw new TraceFormatError(`${gpu} GPU devices on one node; at most ${MAX_NODE_GPUS} (the openb nodes have up to 8)`, cell('gpu'));
    // 'nan' is the README's (pandas') word for a node without a GPU model.
    const rawModel = cols.model === undefined ? '' : cellValue(row, cols.model);
    const model = rawModel.toLowerCase() === 'nan' ? '' : rawModel;
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
  // The largest group reaches the most nodes: if it fits, every pool does.
  const largest = [...groups.values()].reduce((a, b) => (b.count > a.count ? b : a));
  checkPoolMaxNodes(poolName(largest, prefix), largest.count, maxFactor, file);
  const pools: PoolSpec[] = [];
  /** Names given so far, with how many times each base name came: see uniqueName. */
  const named = new Map<string, number>();
  for (const g of groups.values()) {
    const capacity = new Array<number>(space.size).fill(0);
    capacity[iCpu] = g.cpu;
    capacity[iMem] = g.mem;
    if (iGpu >= 0) capacity[iGpu] = g.gpu;
    const perGpu = (g.model !== '' ? opts.gpuPriceByModel?.[g.model] : undefined) ?? gpuPrice;
    const price = g.gpu * perGpu + g.cpu * cpuPrice + g.mem * memPrice;
    pools.push({
      name: uniqueName(poolName(g, prefix), named),
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

/**
 * A pool's name, unique in the list: a name rounds the shape (cores and GiB to 3 decimals; a GPU
 * node without a model reads 'gpu', as a model named 'gpu' does), so two shapes may share one. The
 * run keys its per-pool report by name, and three such pools gave one `byPool` entry. A repeated
 * name takes `-2`, `-3`, ... in order of first appearance (a base name ends in 'g', so a suffixed
 * one is never another's base).
 */
function uniqueName(base: string, named: Map<string, number>): string {
  const n = (named.get(base) ?? 0) + 1;
  named.set(base, n);
  return n === 1 ? base : `${base}-${n}`;
}

/** `<prefix><model>x<gpus>-<cpus>c-<memGiB>g`, or `<prefix>cpu-<cpus>c-<memGiB>g` without GPUs. */
function poolName(g: { cpu: number; mem: number; gpu: number; model: string }, prefix: string): string {
  const kind = g.gpu > 0 ? `${g.model || 'gpu'}x${fmt(g.gpu)}` : 'cpu';
  return `${prefix}${kind}-${fmt(g.cpu)}c-${fmt(g.mem)}g`;
}
