import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, InputMissingError, UserError } from '../core/errors.js';
import type { PoolSpec, Request } from '../core/model.js';
import { LEARNED_BASE } from '../core/model-ref.js';
import { fieldPath } from '../core/yaml-line.js';
import { isOrderKeyName, ORDER_KEY_NAMES, type OrderKeyName } from '../queue/keys.js';
import { DEFAULT_QUEUE_MODEL, learnedQueueFactory } from '../queue/learned-queue.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { EpisodeRunner } from '../sim/compare.js';
import { referenceEpisodes } from '../sim/reference/episodes.js';
import { checkWindows, REFERENCE_WINDOWS, referencePolicy, jobRequest, type BackfillMode } from '../sim/reference/protocol.js';
import { loadBatchWorkload } from '../sim/reference/workload.js';
import { resolveTracePath } from '../traces/registry.js';
import { swfMachineSize } from '../traces/swf.js';
import type { Scenario } from './schema.js';

/**
 * `protocol: { kind: rlscheduler }` in a scenario: `drs run` replays each window of the SWF log
 * alone on an empty machine with the reference protocol's rules (`src/sim/reference`, the code of
 * `drs replay-swf`) and reports the mean over the windows. The scenario then describes exactly
 * what the protocol has: one pool of one node with `cpu` processors (the log's machine), an SWF
 * trace read whole by the protocol's rules, and per strategy an order-key queue (fcfs, sjf, f1,
 * wfp3, unicep) with `backfill: none | easy | conservative` (`easy` is the protocol's EASY,
 * `REFERENCE_EASY`) and `headOfLine: commit | reorder`, or a learned queue model
 * (`learned-queue:NAME`, `learned-queue:FILE.json` or `learned-queue` with option `model`; it always
 * commits to the head it picks) with `backfill`, run exactly
 * as `drs replay-swf --policy learned-queue:NAME` runs it. Every other setting would be silently
 * meaningless there, so it is an error naming its field.
 */

type QueueRef = Scenario['queue'];
type LineAt = (path: (string | number)[]) => number | undefined;

const NOT_HERE = 'does not apply under protocol rlscheduler (one fixed machine, jobs of one priority, every window runs to its end); remove it';

/** Structural rules of `protocol:` (no file read); errors name the file, line and field. */
export function checkProtocol(sc: Scenario, file: string, lineAt: LineAt = () => undefined): void {
  if (sc.protocol === undefined) return;
  const fail = (field: string, message: string): never => {
    throw new ConfigError(message, { file, line: lineAt(fieldPath(field)), field });
  };
  const trace = sc.trace as Record<string, unknown>;
  if (sc.trace.kind !== 'swf') fail('trace.kind', `protocol rlscheduler replays an SWF log: expected kind 'swf', got '${sc.trace.kind}'`);
  for (const k of ['limit', 'options']) if (trace[k] !== undefined) fail(`trace.${k}`, `does not apply under protocol rlscheduler (the windows choose the jobs, read by the protocol's rules); remove it`);
  if (sc.dimensions.length !== 1 || sc.dimensions[0] !== 'cpu') fail('dimensions', `protocol rlscheduler: SWF jobs ask for processors only; expected dimensions: [cpu], got [${sc.dimensions.join(', ')}]`);
  if (!Array.isArray(sc.pools) || sc.pools.length !== 1) fail('pools', 'protocol rlscheduler: expected one pool, the machine (one node with `capacity: { cpu: N }`, N = the log\'s MaxProcs)');
  const pool = (sc.pools as Extract<Scenario['pools'], unknown[]>)[0] as Extract<Scenario['pools'], unknown[]>[number];
  const { min, max, initial } = pool.nodes;
  if (min !== 1 || max !== 1 || initial !== 1) fail('pools[0].nodes', `protocol rlscheduler: the machine is one node of N processors; expected nodes: 1, got min ${min}, initial ${initial}, max ${max}`);
  if (pool.gpus !== undefined) fail('pools[0].gpus', NOT_HERE);
  for (const k of ['scaling', 'failures', 'quotas', 'horizon', 'sloWait'] as const) if (sc[k] !== undefined) fail(k, NOT_HERE);
  checkQueue(sc.queue, 'queue', fail);
  sc.strategies.forEach((s, i) => {
    // One node: every allocator places a job on it alike, so another name would only mislabel a row.
    if (s.name !== 'first-fit') fail(`strategies[${i}].name`, `protocol rlscheduler runs one node, where every allocator places alike: strategies differ by their queue; expected name: first-fit, got '${s.name}'`);
    if ('preemption' in s && s.preemption === true) fail(`strategies[${i}].preemption`, NOT_HERE);
    for (const k of ['scaling', 'quotas'] as const) if (k in s && (s as Record<string, unknown>)[k] !== undefined) fail(`strategies[${i}].${k}`, NOT_HERE);
    if ('queue' in s && s.queue !== undefined) checkQueue(s.queue, `strategies[${i}].queue`, fail);
  });
}

/** Options the protocol's queue takes (the rest of the registry's options would be ignored). */
interface ProtocolQueueOptions {
  readonly backfill?: BackfillMode;
  readonly headOfLine?: 'commit' | 'reorder';
}

const LEARNED = LEARNED_BASE.queue;

/** The model of a learned queue reference (`learned-queue:NAME`, or `learned-queue` with option `model`); undefined for an order key. */
function learnedModel(ref: QueueRef): string | undefined {
  if (ref.name === LEARNED) return ((ref.options ?? {}) as { model?: string }).model ?? DEFAULT_QUEUE_MODEL;
  return ref.name.startsWith(`${LEARNED}:`) && ref.name.length > LEARNED.length + 1 ? ref.name.slice(LEARNED.length + 1) : undefined;
}

function checkQueue(ref: QueueRef, field: string, fail: (field: string, message: string) => never): void {
  const learned = learnedModel(ref) !== undefined;
  if (!learned && !isOrderKeyName(ref.name)) {
    fail(`${field}.name`, `protocol rlscheduler orders the queue by a job key or a learned queue model: expected one of ${ORDER_KEY_NAMES.join(', ')} or learned-queue:MODEL, got '${ref.name}'`);
  }
  const o = (ref.options ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    // (A learned queue's options have no headOfLine: the registry's schema refuses it.)
    if (k === 'backfill' || k === 'headOfLine' || v === undefined || (learned && k === 'model')) continue;
    if (k === 'blocking' && v === true) continue;
    if (k === 'widthDimension' && (v === 0 || v === 'cpu')) continue;
    fail(`${field}.options.${k}`, `protocol rlscheduler's queue is blocking, on the one dimension cpu, and takes only backfill (none, easy, conservative)${learned ? '' : ' and headOfLine (commit, reorder)'}; remove ${k}`);
  }
}

/** A fresh protocol queue policy per window for a (checked) queue reference. */
export function protocolQueue(ref: QueueRef): () => QueuePolicy {
  const o = (ref.options ?? {}) as ProtocolQueueOptions;
  // The model is read now (a missing or bad model file fails the build, not the first window);
  // its backfilling is the protocol's, as in `drs replay-swf --policy learned-queue:NAME`.
  const model = learnedModel(ref);
  if (model !== undefined) return learnedQueueFactory(model, referencePolicy('fcfs', o.backfill ?? 'none').backfill);
  return () => referencePolicy(ref.name as OrderKeyName, o.backfill ?? 'none', o.headOfLine ?? 'commit');
}

export interface ProtocolRun {
  readonly episodes: EpisodeRunner;
  /** Every job of the log as the protocol reads it (what `drs validate` samples). */
  readonly requests: () => Iterable<Request>;
}

/**
 * Read the log by the protocol's rules and check it against the scenario: the pool's `cpu` is the
 * header's MaxProcs; with MaxNodes alone, at least MaxNodes (nodes may hold several processors); the
 * pool gives it when the header has neither
 * and every window lies inside the log. Errors name the scenario file and field.
 */
export async function buildProtocol(sc: Scenario, pool: PoolSpec, opts: { file: string; dataRoot: string; baseDir: string }): Promise<ProtocolRun> {
  const p = sc.protocol;
  if (p === undefined) throw new Error('buildProtocol: the scenario has no protocol');
  const { file } = opts;
  const written = (sc.trace as { file?: unknown }).file;
  if (typeof written !== 'string') throw new ConfigError('missing required field (expected a string)', { file, field: 'trace.file' });
  const abs = resolveTracePath(written, opts.dataRoot, opts.baseDir);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    const hint = !path.isAbsolute(written) && !written.startsWith('.') ? '; set --data-dir or DRS_DATA_DIR if the data lives elsewhere' : '';
    throw new InputMissingError(`trace file '${written}' not found (looked for ${abs}; data root: ${path.resolve(opts.dataRoot)}${hint})`, { file, field: 'trace.file' });
  }
  const cpu = pool.capacity[0] as number;
  if (!Number.isInteger(cpu) || cpu < 1) throw new ConfigError(`protocol rlscheduler: the machine has a whole number of processors; expected a positive integer, got ${cpu}`, { file, field: 'pools[0].capacity.cpu' });
  const workload = await loadBatchWorkload(abs, { procs: cpu });
  const logged = swfMachineSize(workload.header);
  // MaxProcs is the machine; MaxNodes alone counts nodes, which may hold several processors each
  // (as `replay-swf --procs` allows): the machine is then at least that many processors.
  const byNodes = workload.header.maxProcs === undefined;
  if (logged !== undefined && (byNodes ? cpu < logged : cpu !== logged)) {
    const expected = byNodes ? `cpu of at least ${logged} (${logged} nodes × processors per node)` : `cpu: ${logged}`;
    throw new ConfigError(`the log's header gives a machine of ${logged} ${byNodes ? 'nodes (MaxNodes, no MaxProcs)' : 'processors (MaxProcs)'} and the protocol's machine is the log's: expected ${expected}, got ${cpu}`, {
      file,
      field: 'pools[0].capacity.cpu',
    });
  }
  const starts = p.windows === 'reference' ? REFERENCE_WINDOWS : p.windows;
  try {
    checkWindows(starts, p.length, workload.jobs.length);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    const field = e.location.field === 'length' ? 'protocol.length' : 'protocol.windows';
    throw new ConfigError(`${e.detail} (trace ${written})`, { file, field });
  }
  return {
    episodes: referenceEpisodes({ workload, starts, length: p.length, pool }),
    requests: () => workload.jobs.map(jobRequest),
  };
}
