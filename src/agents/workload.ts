import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, InputMissingError } from '../core/errors.js';
import { durationSchema, positiveDurationSchema } from '../core/fields.js';
import type { Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import { ResourceScheduler } from '../scheduler/index.js';
import { VirtualClock, type AgentClock } from './clock.js';
import { loadFleetFile, parseFleet } from './config.js';
import { AgentScheduler, type LaunchHook } from './scheduler.js';
import { parseIsoTime, readIsoTime } from './time.js';
import { checkTraceInputs, checkWithinHorizon, writtenKey, writtenRegistry } from './trace-checks.js';
import type { AgentSpec, FleetDefinition } from './types.js';
import { firstIssue, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';

/*
 * The fleet in simulation. One fleet definition drives both `drs run` and production: the
 * scenario workload `trace: { kind: agents, ... }` runs the production AgentScheduler itself on a
 * virtual clock over unlimited resources, with a simulated launcher, and turns every run into a
 * request:
 *   arrival     = when the fleet rules let the run start (cron firing, condition, cascade,
 *                 restart after backoff, after its dependencies);
 *   duration    = the agent's `duration`, or until its crash;
 *   dependsOn   = the dependency runs it waited for and the run that cascaded into it;
 *   concurrency = the group `max_concurrent_agents` with the fleet's limit (the engine's rule: the
 *                 plan leaves the limit out, so a run is not held back behind runs the pools delay).
 * Pools, strategies and their waiting are then the simulator's, exactly as the ResourceScheduler's
 * in production. What the plan does not model: max_memory_usage (a resource rule; the pools
 * decide) and heartbeats (simulated agents are never silent).
 */

export const agentsTraceSchema = z
  .object({
    kind: z.literal('agents'),
    /** The fleet inline (`{ config, agents }`), or `file` (a fleet YAML, relative to the scenario). */
    registry: z.unknown().optional(),
    file: z.string().optional(),
    /**
     * Wall-clock start of the simulated period (strict ISO 8601; without a UTC offset, a wall-clock
     * time in the fleet's `timezone`, see time.ts): cron schedules fire in real local time.
     */
    start: z.string().superRefine((s, ctx) => {
      const t = readIsoTime(s);
      if (typeof t === 'string') ctx.addIssue({ code: 'custom', message: t });
    }),
    /** Length of the simulated period (default: the scenario's horizon). */
    horizon: positiveDurationSchema.optional(),
    seed: z.union([z.number().int(), z.string()]).optional(),
    /** On-demand triggers, at offsets from `start`. */
    triggers: z.array(z.object({ agent: z.string(), at: durationSchema }).strict()).default([]),
    /** Named events for condition schedules. */
    events: z.array(z.object({ name: z.string(), at: durationSchema }).strict()).default([]),
    /** Metric samples for condition schedules. */
    metrics: z.array(z.object({ name: z.string(), at: durationSchema, value: z.number() }).strict()).default([]),
  })
  .strict()
  .refine((t) => (t.registry === undefined) !== (t.file === undefined), { message: 'give the fleet as registry (inline) or file, not both or neither' });

export type AgentsTraceSpec = z.output<typeof agentsTraceSchema>;

export interface FleetPlanOptions {
  /** Epoch ms. */
  readonly start: number;
  readonly horizonMs: number;
  readonly seed: number | string;
  /** Offsets in ms from start. */
  readonly triggers?: readonly { readonly agent: string; readonly atMs: number }[];
  readonly events?: readonly { readonly name: string; readonly atMs: number }[];
  readonly metrics?: readonly { readonly name: string; readonly atMs: number; readonly value: number }[];
  /**
   * Told the runs the fleet triggered that never started (still pending at the end: waiting for a
   * dependency, since the plan has unlimited resources and no concurrency limit). They are not in
   * the plan: a request needs a start, so in a scenario they are the triggered runs that never
   * became requests (AgentTraceContext.onNeverRequested). The name is the public API's (src/index.ts).
   */
  readonly onNeverStarted?: (runs: readonly { readonly id: string; readonly agentId: string; readonly triggeredAt: number }[]) => void;
}

/** One planned run. Times are epoch ms. */
export interface PlannedRun {
  readonly id: string;
  readonly agent: AgentSpec;
  readonly start: number;
  /** When it completes, crashes or times out (a run still going at the end: 1 s past the period). */
  readonly end: number;
  readonly outcome: 'completed' | 'crashed' | 'timed-out' | 'running';
  /** Runs it waited for that ended (a dependency's or the cascading run), except timed-out ones (see toRequest). */
  readonly dependsOn: readonly string[];
}

/**
 * A launcher that plays each run from the seeded Rng: an ephemeral run takes the agent's
 * `duration`; a persistent one runs until it crashes; a run crashes after an exponential time
 * with rate `crashRate` per hour, if that comes first. Draws depend only on (seed, run id), so
 * the same run behaves the same in simulation and in a production AgentScheduler on a virtual
 * clock. With `heartbeatMs`, the simulated agent beats at that period while it runs.
 *
 *   timeToCrash ~ Exp(crashRate / 3 600 000 ms);  ends at min(timeToCrash, duration)
 */
export function simulatedLaunch(clock: AgentClock, seed: number | string, heartbeatMs?: number): LaunchHook {
  const root = new Rng(seed);
  return (ctx) => {
    if (heartbeatMs !== undefined) {
      const beat = () => {
        if (ctx.signal.aborted) return;
        ctx.heartbeat();
        clock.setTimer(heartbeatMs, beat);
      };
      clock.setTimer(heartbeatMs, beat);
    }
    const rate = ctx.agent.crashRatePerHour;
    const ttc = rate > 0 ? root.fork(`crash:${ctx.runId}`).exponential(rate / 3_600_000) : Number.POSITIVE_INFINITY;
    const work = ctx.agent.lifecycle === 'persistent' ? Number.POSITIVE_INFINITY : (ctx.agent.durationMs ?? 0);
    const ms = Math.min(ttc, work);
    return new Promise((resolve, reject) => {
      if (!Number.isFinite(ms)) return; // runs until stopped
      const h = clock.setTimer(Math.round(ms), () => (ttc < work ? reject(new Error(`simulated crash after ${Math.round(ttc)} ms`)) : resolve(undefined)));
      ctx.signal.addEventListener('abort', () => clock.clear(h));
    });
  };
}

/** Run the fleet's rules over the period on a virtual clock with unlimited resources. */
export async function planFleet(fleet: FleetDefinition, o: FleetPlanOptions): Promise<PlannedRun[]> {
  const dims = [...new Set(['cpu', 'memory', 'gpu', ...fleet.agents.flatMap((a) => Object.keys(a.resources))])];
  const pools = [...new Set(['fleet', ...fleet.agents.flatMap((a) => (a.pool === undefined ? [] : [a.pool]))])];
  const clock = new VirtualClock(o.start);
  const unlimited = Object.fromEntries(dims.map((d) => [d, 1e12]));
  const scheduler = new ResourceScheduler({ dimensions: dims, pools: pools.map((name) => ({ name, capacity: unlimited, nodes: 1 })), clock: () => clock.now(), timers: false, preemption: fleet.config.allowPreemption });
  // max_concurrent_agents is the engine's (each request's concurrency group, see toRequest): held
  // back here over unlimited resources, a run would arrive late in the simulator behind runs that
  // the pools then delay, while production lets it take the slot of a run that cannot fit yet.
  const fleetRules = { ...fleet, config: { ...fleet.config, maxMemoryUsage: undefined, maxConcurrentAgents: Number.POSITIVE_INFINITY } };
  const agents = new AgentScheduler({ fleet: fleetRules, scheduler, clock, launch: simulatedLaunch(clock, o.seed), watchHeartbeats: false, keepRuns: Number.POSITIVE_INFINITY, publish: () => {} });
  for (const t of o.triggers ?? []) clock.setTimer(t.atMs, () => agents.trigger(t.agent));
  for (const e of o.events ?? []) clock.setTimer(e.atMs, () => agents.emit(e.name));
  for (const m of o.metrics ?? []) clock.setTimer(m.atMs, () => agents.setMetric(m.name, m.value));
  agents.start();
  const endAt = o.start + o.horizonMs;
  await clock.advanceTo(endAt - 1);
  const out: PlannedRun[] = [];
  // A dependent waits for a run however it ends (production's rule), but in the simulator a
  // timed-out or crashed run expires, which would reject its dependents: they keep only their arrival time.
  const edges = new Set<string>();
  for (const r of agents.listRuns()) if (r.state === 'completed' || (r.startedAt !== undefined && r.endedAt === undefined)) edges.add(r.id);
  const never = agents.listRuns().filter((r) => r.startedAt === undefined && r.state === 'pending');
  if (never.length > 0) o.onNeverStarted?.(never.map((r) => ({ id: r.id, agentId: r.agent.id, triggeredAt: r.triggeredAt })));
  for (const r of agents.listRuns()) {
    if (r.startedAt === undefined) continue;
    const outcome = r.endedAt === undefined ? 'running' : r.state === 'completed' || r.state === 'timed-out' ? r.state : 'crashed';
    // Still running at the end: it lasts past the horizon (the simulator reports it unfinished).
    out.push({ id: r.id, agent: r.agent, start: r.startedAt, end: r.endedAt ?? endAt + 1000, outcome, dependsOn: [...r.waitedFor].filter((id) => edges.has(id)) });
  }
  await agents.stop();
  return dependenciesFirst(out.sort((a, b) => a.start - b.start));
}

/** Keep start order, but never list a run before a run it depends on (equal start times). */
function dependenciesFirst(runs: readonly PlannedRun[]): PlannedRun[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const done = new Set<string>();
  const out: PlannedRun[] = [];
  const emit = (r: PlannedRun): void => {
    if (done.has(r.id)) return;
    done.add(r.id);
    for (const d of r.dependsOn) {
      const dep = byId.get(d);
      if (dep !== undefined) emit(dep);
    }
    out.push(r);
  };
  for (const r of runs) emit(r);
  return out;
}

export interface AgentTraceContext {
  readonly space: ResourceSpace;
  /** Folder of the scenario file (for `file`). */
  readonly baseDir: string;
  readonly seed: number | string;
  /** The scenario's horizon, seconds (used when the trace gives none). */
  readonly horizon?: number;
  /** The scenario file, for errors. */
  readonly file?: string;
  /** The scenario's pool names: an agent's `pool` must be one of them (checked when given). */
  readonly pools?: readonly string[];
  /** One node's capacity per pool: every agent must fit a node of a pool it may use (checked when given). */
  readonly nodeCapacity?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The pools that never have a node (nodes.max 0): an agent only they could run is refused (checked when given). */
  readonly emptyPools?: readonly string[];
  /** Told how many runs the fleet triggered before the run ends that never became requests (waiting for a dependency at the end, they never started). */
  readonly onNeverRequested?: (count: number) => void;
}

/**
 * Read the fleet of an agents trace spec (validated), with errors under `trace.`, and its start
 * (epoch ms; a start without a UTC offset is read in the fleet's timezone, never the host's).
 */
export function agentTraceFleet(raw: unknown, ctx: Pick<AgentTraceContext, 'baseDir' | 'file' | 'pools' | 'horizon' | 'nodeCapacity' | 'emptyPools'>): { spec: AgentsTraceSpec; fleet: FleetDefinition; start: number } {
  const r = agentsTraceSchema.safeParse(raw, KEY_HINTS);
  if (!r.success) {
    const iss = firstIssue(r.error.issues) as z.core.$ZodIssue;
    const msg = plainMessage(iss);
    throw new ConfigError(msg, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), field: ['trace', ...issuePath(iss)].map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').slice(1) });
  }
  const spec = r.data;
  const fleetFile = spec.file !== undefined ? path.resolve(ctx.baseDir, spec.file) : undefined;
  // A fleet file that is missing is the scenario's field, at its line (loadFleetFile named only the path).
  const st = fleetFile === undefined ? undefined : statSync(fleetFile, { throwIfNoEntry: false });
  if (fleetFile !== undefined && (st === undefined || st.isDirectory())) {
    throw new (st === undefined ? InputMissingError : ConfigError)(st !== undefined ? `fleet file '${spec.file}' is a folder; name a file in it` : `fleet file '${spec.file}' not found (looked for ${fleetFile}${path.isAbsolute(spec.file ?? '') ? '' : "; relative to the scenario's folder"})`, {
      ...(ctx.file !== undefined ? { file: ctx.file } : {}),
      field: 'trace.file',
    });
  }
  const fleet = fleetFile !== undefined ? loadFleetFile(fleetFile) : parseFleet(spec.registry, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), base: 'trace.registry' });
  const start = parseIsoTime(spec.start, fleet.config.timezone);
  if (typeof start === 'string') throw new ConfigError(start, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), field: 'trace.start' });
  checkTraceInputs(spec, fleet, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), ...(fleetFile !== undefined ? { fleetFile } : {}), ...(ctx.pools !== undefined ? { pools: ctx.pools } : {}), ...(ctx.nodeCapacity !== undefined ? { nodeCapacity: ctx.nodeCapacity } : {}), ...(ctx.emptyPools !== undefined ? { emptyPools: ctx.emptyPools } : {}) });
  checkWithinHorizon(spec, ctx.horizon, ctx.file);
  return { spec, fleet, start };
}

/**
 * The scenario workload: the fleet's planned runs as requests, in arrival order. `ctx.onNeverRequested`
 * is told how many runs the fleet triggered before the run ends that never became requests.
 */
export async function* agentRequests(raw: unknown, ctx: AgentTraceContext): AsyncGenerator<Request> {
  const { spec, fleet, start } = agentTraceFleet(raw, ctx);
  const horizon = spec.horizon ?? ctx.horizon;
  if (horizon === undefined) throw new ConfigError('an agents workload needs a horizon (trace.horizon or the scenario horizon)', { ...(ctx.file !== undefined ? { file: ctx.file } : {}), field: 'trace.horizon' });
  // Named where the agent is written: the fleet file of `file`, or inline; the key as written (`gpu` or `resources.gpu`).
  const ownFile = spec.file !== undefined ? path.resolve(ctx.baseDir, spec.file) : undefined;
  const fleetFile = ownFile ?? ctx.file;
  fleet.agents.forEach((a, i) => {
    for (const k of Object.keys(a.resources)) {
      if (ctx.space.has(k)) continue;
      const field = `${spec.file !== undefined ? '' : 'trace.registry.'}agents[${i}].${writtenKey(writtenRegistry(spec.registry, ownFile), i, k)}`;
      throw new ConfigError(`unknown resource '${k}' (the scenario's dimensions: ${ctx.space.names.join(', ')})`, { ...(fleetFile !== undefined ? { file: fleetFile } : {}), field });
    }
  });
  const runs = await planFleet(fleet, {
    start,
    horizonMs: horizon * 1000,
    seed: spec.seed ?? ctx.seed,
    triggers: spec.triggers.map((t) => ({ agent: t.agent, atMs: t.at * 1000 })),
    events: spec.events.map((e) => ({ name: e.name, atMs: e.at * 1000 })),
    metrics: spec.metrics.map((m) => ({ name: m.name, atMs: m.at * 1000, value: m.value })),
    // Those triggered before the run ends (a longer trace.horizon plans past the scenario's).
    onNeverStarted: (never) => ctx.onNeverRequested?.(never.filter((r) => r.triggeredAt < start + Math.min(horizon, ctx.horizon ?? Infinity) * 1000).length),
  });
  for (const r of runs) yield toRequest(r, start, ctx.space, fleet);
}

/**
 * A run as a request. A timed-out run is aborted at its timeout in production and counts as
 * timed out, not done: its request has a lease of the timeout and work that outlasts it, so the
 * simulator ends it as expired at the timeout from its start (also after waiting for capacity).
 * A crashed run did not do its work either: its lease is its time to the crash, with the work
 * left undone beyond it, so it too ends expired (at the crash), never counted as done.
 */
function toRequest(r: PlannedRun, origin: number, space: ResourceSpace, fleet: FleetDefinition): Request {
  const a = r.agent;
  const timeoutMs = a.timeoutMs ?? fleet.config.defaultTimeoutMs;
  const crashMs = Math.max(1, r.end - r.start);
  const leaseMs = r.outcome === 'timed-out' ? timeoutMs : r.outcome === 'crashed' ? crashMs : undefined;
  const ranMs = leaseMs !== undefined ? Math.max(a.durationMs ?? 0, leaseMs + 1) : r.end - r.start;
  return {
    id: r.id,
    tenant: a.id,
    arrival: (r.start - origin) / 1000,
    demand: space.vector(a.resources),
    duration: Math.max(0.001, ranMs / 1000),
    ...(leaseMs !== undefined ? { lease: leaseMs / 1000 } : {}),
    ...(a.durationMs !== undefined ? { requestedDuration: a.durationMs / 1000 } : {}),
    priority: a.priority,
    preemptible: fleet.config.allowPreemption,
    ...(a.pool !== undefined ? { constraints: { pools: [a.pool] } } : {}),
    ...(r.dependsOn.length > 0 ? { dependsOn: r.dependsOn } : {}),
    ...(Number.isFinite(fleet.config.maxConcurrentAgents) ? { concurrency: { group: AGENTS_GROUP, limit: fleet.config.maxConcurrentAgents } } : {}),
  };
}

/** The concurrency group of a fleet's runs: the engine holds `max_concurrent_agents` of them running at most. */
export const AGENTS_GROUP = 'max_concurrent_agents';
