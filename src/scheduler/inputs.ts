import { UserError } from '../core/errors.js';
import { MAX_NODE_CAPACITY, MAX_NODE_GPUS, MAX_PRICE_PER_HOUR } from '../core/fields.js';
import { GPU_MODEL_LABEL, labelsWithGpuModel } from '../core/gpu.js';
import { unknownKeyMessage } from '../core/plain-issue.js';
import type { PoolSpec, Request, RequestConstraints } from '../core/model.js';
import { isPriority, type Priority } from '../core/priority.js';
import type { ResourceSpace } from '../core/resources.js';
import type { PoolInput, ScheduleRequest } from './types.js';

/**
 * Validation and normalisation of what callers pass in: `ScheduleRequest` → core `Request`
 * (plus the lease and queue timeout in ms), `PoolInput` → `PoolSpec`. Every error is a
 * UserError naming the offending field.
 */

/** A validated request and the scheduler-level settings that came with it. */
export interface BuiltRequest {
  readonly request: Request;
  /** Lease length, ms; null = no lease. */
  readonly leaseMs: number | null;
  /** The request's own queue timeout, ms (undefined: the queue's default). */
  readonly queueTimeoutMs: number | undefined;
}

/** Which dimension `units` means for requests naming a pool. */
export interface PrimaryLookup {
  /** The primary dimension of the pool called `name`, or undefined when there is no such pool. */
  primaryOf(name: string): string | undefined;
}

export interface RequestBuilderOptions {
  readonly space: ResourceSpace;
  readonly pools: PrimaryLookup;
  /** Id for requests that give none. */
  readonly newId: () => string;
  /** Clock in ms; the request's arrival is read from it. */
  readonly clock: () => number;
  /** Lease for requests that give none (undefined: no lease). */
  readonly defaultLeaseMs: number | undefined;
  /** SLO wait per priority class, ms, for requests that give no `sloWaitMs` (ResourceSchedulerOptions.sloWaitMs). */
  readonly sloWaitMs?: Readonly<Partial<Record<Priority, number>>> | undefined;
}

/** Turns a caller's `ScheduleRequest` into a core `Request` (throws UserError for a bad one). */
export class RequestBuilder {
  constructor(private readonly o: RequestBuilderOptions) {}

  build(input: ScheduleRequest, durationMs: number | undefined): BuiltRequest {
    const { space } = this.o;
    if (typeof input !== 'object' || input === null) bad('request', 'a request must be an object');
    // A misspelt field (`priorty`, `durationMS`) would silently be the default: refused, as the HTTP API does.
    knownKeys(input, REQUEST_FIELDS, '');
    if (input.preemptible !== undefined && typeof input.preemptible !== 'boolean') bad('preemptible', `preemptible must be true or false, got ${describe(input.preemptible)}`);
    const id = input.id ?? this.o.newId();
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) bad('id', `id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
    const tenant = input.tenant ?? 'default';
    if (typeof tenant !== 'string' || tenant.length === 0) bad('tenant', 'tenant must be a non-empty string');
    const priority: Priority = input.priority ?? 'medium';
    if (!isPriority(priority)) bad('priority', `priority must be one of critical, high, medium, low, background; got '${String(priority)}'`);
    const demand = new Array<number>(space.size).fill(0);
    for (const [k, v] of Object.entries(input.demand ?? {})) {
      const d = space.indexOf(k);
      if (d < 0) bad(`demand.${k}`, `unknown resource dimension '${k}' (known: ${space.names.join(', ')})`);
      demand[d] = nonNeg(`demand.${k}`, v);
    }
    if (input.units !== undefined) {
      const units = nonNeg('units', input.units);
      const dim = (input.pool === undefined ? undefined : this.o.pools.primaryOf(input.pool)) ?? (space.names[0] as string);
      const d = space.indexOf(dim);
      if (input.demand?.[dim] !== undefined) bad('units', `units and demand.${dim} both set the primary dimension '${dim}'; give one`);
      demand[d] = units;
    }
    let any = false;
    for (let d = 0; d < demand.length; d++) if ((demand[d] as number) > 0) any = true;
    if (!any) bad('demand', 'a request needs units or a demand with some positive amount');
    let pools = input.pools;
    if (pools !== undefined && (!Array.isArray(pools) || pools.some((p) => typeof p !== 'string'))) bad('pools', 'pools must be a list of pool names');
    if (input.pool !== undefined) {
      if (typeof input.pool !== 'string') bad('pool', 'pool must be a pool name');
      // Both given: `pool` narrows `pools`; one outside them would leave the request nowhere to run ("no pool matches pools []").
      if (pools !== undefined && !pools.includes(input.pool)) bad('pool', `pool '${input.pool}' is not one of pools [${pools.join(', ')}], so the request could run nowhere; give pool or pools`);
      pools = [input.pool];
    }
    const constraints: { -readonly [K in keyof RequestConstraints]: RequestConstraints[K] } = {};
    let constrained = false;
    if (pools !== undefined) {
      constraints.pools = pools;
      constrained = true;
    }
    if (input.labels !== undefined) {
      constraints.labels = input.labels;
      constrained = true;
    }
    if (input.gpuModels !== undefined && (!Array.isArray(input.gpuModels) || input.gpuModels.some((m) => typeof m !== 'string' || m === ''))) bad('gpuModels', 'gpuModels must be a list of GPU model names');
    if (input.maxLatencyMs !== undefined) {
      constraints.maxLatencyMs = nonNeg('maxLatencyMs', input.maxLatencyMs);
      constrained = true;
    }
    if (input.maxCostPerHour !== undefined) {
      constraints.maxCostPerHour = nonNeg('maxCostPerHour', input.maxCostPerHour);
      constrained = true;
    }
    const leaseRaw = durationMs ?? input.durationMs ?? this.o.defaultLeaseMs;
    const leaseMs = leaseRaw === undefined ? null : Math.max(1, Math.round(positive('durationMs', leaseRaw)));
    const estimated = input.estimatedDurationMs === undefined ? undefined : positive('estimatedDurationMs', input.estimatedDurationMs);
    const queueTimeoutMs = input.queueTimeoutMs === undefined ? undefined : nonNeg('queueTimeoutMs', input.queueTimeoutMs);
    // As a scenario's default sloWait: the request's own wins over its class's.
    const sloWaitMs = input.sloWaitMs === undefined ? this.o.sloWaitMs?.[priority] : nonNeg('sloWaitMs', input.sloWaitMs);
    const request: { -readonly [K in keyof Request]: Request[K] } = {
      id,
      tenant,
      arrival: this.o.clock() / 1000,
      demand,
      duration: estimated !== undefined ? estimated / 1000 : leaseMs !== null ? leaseMs / 1000 : Infinity,
      priority,
    };
    if (estimated !== undefined) request.requestedDuration = estimated / 1000;
    if (sloWaitMs !== undefined) request.sloWait = sloWaitMs / 1000;
    if (constrained) request.constraints = constraints;
    if (input.gpuModels !== undefined && input.gpuModels.length > 0) request.gpuModels = [...input.gpuModels];
    if (input.preemptible === true) request.preemptible = true;
    if (leaseMs !== null) request.lease = leaseMs / 1000;
    if (input.dependsOn !== undefined) {
      if (!Array.isArray(input.dependsOn) || input.dependsOn.some((d) => typeof d !== 'string' || d === '')) bad('dependsOn', 'dependsOn must be a list of request ids');
      if (input.dependsOn.length > 0) request.dependsOn = [...input.dependsOn];
    }
    const c = input.concurrency as unknown;
    if (c !== undefined) {
      if (typeof c !== 'object' || c === null || Array.isArray(c)) bad('concurrency', `concurrency must be { group, limit }, got ${describe(c)}`);
      knownKeys(c, ['group', 'limit'], 'concurrency.');
      const { group, limit } = c as { group?: unknown; limit?: unknown };
      if (typeof group !== 'string' || group === '') bad('concurrency.group', `concurrency.group must be a non-empty name, got ${describe(group)}`);
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) bad('concurrency.limit', `concurrency.limit must be a whole number ≥ 1, got ${describe(limit)}`);
      request.concurrency = { group, limit };
    }
    return { request, leaseMs, queueTimeoutMs };
  }
}

/**
 * A new pool as `addPool` takes it: its spec (`toPoolSpec`) and primary dimension (default the
 * first), checked against the dimensions and the pools there are (`exists`: a name in use).
 */
export function newPoolOf(input: PoolInput, space: ResourceSpace, exists: (name: string) => boolean): { spec: PoolSpec; primary: string } {
  const spec = toPoolSpec(input, space);
  const primary = input.primary ?? (space.names[0] as string);
  if (!space.has(primary)) bad('primary', `unknown resource dimension '${primary}'`);
  if (input.primary !== undefined && !((spec.capacity[space.indexOf(primary)] ?? 0) > 0)) bad('primary', `primary '${primary}': the pool's nodes have no ${primary}, so every 'units' request would never fit`);
  if (exists(spec.name)) bad('name', `a pool named '${spec.name}' already exists`);
  return { spec, primary };
}

/** Validate a pool's spec (not its name's uniqueness or its primary dimension). */
export function toPoolSpec(input: PoolInput, space: ResourceSpace): PoolSpec {
  if (typeof input !== 'object' || input === null) bad('pool', 'a pool must be an object');
  knownKeys(input, POOL_FIELDS, '');
  if (typeof input.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(input.name)) bad('name', 'a pool name must be 1-100 characters of letters, digits, . _ - (starting with a letter or digit)');
  const capacity = new Array<number>(space.size).fill(0);
  for (const [k, v] of Object.entries(input.capacity ?? {})) {
    const d = space.indexOf(k);
    if (d < 0) bad(`capacity.${k}`, `unknown resource dimension '${k}' (known: ${space.names.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`capacity.${k}`, `capacity must be a finite number ≥ 0, got ${String(v)}`);
    if (v > MAX_NODE_CAPACITY) bad(`capacity.${k}`, `capacity must be at most 1e15 per node (a larger one overflows the pool's totals), got ${v}`);
    capacity[d] = v;
  }
  const gpus = input.gpus;
  if (gpus !== undefined) {
    const g = space.indexOf('gpu');
    if (g < 0) bad('gpus', `GPU devices need a 'gpu' dimension (known: ${space.names.join(', ')})`);
    if (!Number.isInteger(gpus.count) || gpus.count <= 0) bad('gpus.count', `gpus.count must be a whole number > 0, got ${String(gpus.count)}`);
    if (gpus.count > MAX_NODE_GPUS) bad('gpus.count', `gpus.count must be at most ${MAX_NODE_GPUS} GPU devices per node, got ${gpus.count}`);
    if (input.capacity?.['gpu'] !== undefined && capacity[g] !== gpus.count) bad('gpus.count', `capacity.gpu ${capacity[g]} differs from gpus.count ${gpus.count}`);
    capacity[g] = gpus.count;
  }
  if (!capacity.some((v) => v > 0)) bad('capacity', 'a node needs some positive capacity');
  const labels = labelsWithGpuModel(input.labels ?? {}, gpus?.model);
  if (typeof labels === 'string') bad(`labels.${GPU_MODEL_LABEL}`, labels);
  const n = input.nodes as unknown;
  if (typeof n !== 'number' && (typeof n !== 'object' || n === null || Array.isArray(n))) bad('nodes', `nodes must be a count or { min, max, initial }, got ${describe(n)}`);
  if (typeof n === 'object') {
    knownKeys(n as object, ['min', 'max', 'initial'], 'nodes.');
    if ((n as { initial?: unknown }).initial === undefined) bad('nodes.initial', 'missing: how many nodes the pool starts with (nodes: { min, max, initial })');
  }
  const given = n as { min?: number; max?: number; initial: number };
  // As a scenario reads a pool (src/scenario/schema.ts): min and max default to initial, so one
  // pool spec scales within the same bounds in the simulator and here (min defaulted to 0 here).
  const nodes = typeof n === 'number' ? { min: n, max: n, initial: n } : { min: given.min ?? given.initial, max: given.max ?? given.initial, initial: given.initial };
  for (const [k, v] of Object.entries(nodes)) if (!Number.isInteger(v) || v < 0) bad(`nodes.${k}`, `node counts must be whole numbers ≥ 0, got ${v}`);
  if (!(nodes.min <= nodes.initial && nodes.initial <= nodes.max)) bad('nodes', `need min ≤ initial ≤ max, got ${nodes.min}, ${nodes.initial}, ${nodes.max}`);
  const num = (field: string, v: number | undefined): number => {
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(field, `${field} must be a finite number ≥ 0, got ${String(v)}`);
    return v;
  };
  const price = (v: number | undefined): number => {
    const p = num('pricePerHour', v);
    if (p > MAX_PRICE_PER_HOUR) bad('pricePerHour', `pricePerHour must be at most 1e9 per node-hour (a larger one overflows the cost totals), got ${p}`);
    return p;
  };
  return {
    name: input.name,
    capacity,
    nodes,
    pricePerHour: price(input.pricePerHour),
    latencyMs: num('latencyMs', input.latencyMs),
    bootSeconds: num('bootSeconds', input.bootSeconds),
    labels,
    ...(gpus !== undefined ? { gpus: { count: gpus.count, ...(gpus.model !== undefined ? { model: gpus.model } : {}), ...(gpus.memoryMib !== undefined ? { memoryMib: gpus.memoryMib } : {}) } } : {}),
  };
}

function bad(field: string, message: string): never {
  throw new UserError(message, { field });
}

function nonNeg(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(field, `${field} must be a finite number ≥ 0, got ${describe(v)}`);
  return v as number;
}

function positive(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(field, `${field} must be a number > 0, got ${describe(v)}`);
  return v as number;
}

/**
 * Longest request id. `drs serve` stores a tenant's id scoped as `tenant~id` (each up to 200
 * characters), so the library must take 401: at 200, an HTTP id the API accepts was refused.
 */
const MAX_ID_LENGTH = 401;

/** The fields of a `ScheduleRequest` and of a `PoolInput` (types.ts). */
const REQUEST_FIELDS = ['id', 'pool', 'pools', 'units', 'demand', 'priority', 'tenant', 'maxLatencyMs', 'maxCostPerHour', 'labels', 'gpuModels', 'preemptible', 'durationMs', 'estimatedDurationMs', 'queueTimeoutMs', 'sloWaitMs', 'dependsOn', 'concurrency'] as const;
const POOL_FIELDS = ['name', 'capacity', 'nodes', 'pricePerHour', 'latencyMs', 'bootSeconds', 'labels', 'primary', 'gpus'] as const;

/**
 * An unknown key is a UserError at its field (`prefix` + key), worded as a scenario's or an HTTP
 * body's: the nearest known key when one is near, else the known ones, sorted.
 */
export function knownKeys(o: object, known: readonly string[], prefix: string): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) bad(`${prefix}${k}`, unknownKeyMessage(k, known));
  }
}

/** A value as an error message shows it: strings quoted, so '2' is not mistaken for 2. */
export function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}' (a string)` : Array.isArray(v) ? 'a list' : typeof v === 'function' ? 'a function' : typeof v === 'object' && v !== null ? 'an object' : String(v);
}

