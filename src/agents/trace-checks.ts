import { ConfigError, type ErrorLocation } from '../core/errors.js';
import { formatDuration } from '../core/units.js';
import { fleetFileValue } from './config.js';
import type { AgentSpec, FleetDefinition } from './types.js';

/*
 * What an agents trace (`trace: { kind: agents }`) must get right beyond the fleet itself, so
 * that `drs run` never plays something silently different from what the file says or from what
 * production would do: every ephemeral agent says how long a run takes, pools exist, and the
 * trace's triggers, events and metrics reach an agent within the simulated period.
 */

/** The parts of an agents trace spec checked here. */
export interface TraceInputs {
  readonly triggers: readonly { readonly agent: string; readonly at: number }[];
  readonly events: readonly { readonly name: string; readonly at: number }[];
  readonly metrics: readonly { readonly name: string; readonly at: number }[];
  /** The inline fleet as written (to name the key an agent's resource was given under). */
  readonly registry?: unknown;
}

export interface TraceWhere {
  /** The scenario file. */
  readonly file?: string;
  /** Where the fleet's fields are: inline (`trace.registry`) in the scenario, or a fleet file of its own. */
  readonly fleetFile?: string;
  /** The scenario's pool names, when known: an agent's `pool` must be one of them. */
  readonly pools?: readonly string[];
  /** The capacity of one node of each scenario pool, when known: an agent must fit one node of a pool it may use. */
  readonly nodeCapacity?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The scenario pools that never have a node (nodes.max 0), when known: an agent must be able to use another. */
  readonly emptyPools?: readonly string[];
}

/**
 * Refuse, naming the field:
 * - an ephemeral agent without a `duration` > 0 (a run would take no time: 1 ms in the plan), or a
 *   persistent one with it (a persistent run lasts until it crashes; the duration would be ignored);
 * - an agent `pool` the scenario does not have (every run would be rejected, and production's
 *   AgentScheduler refuses it: `agents[0].pool: unknown pool 'gpu'`);
 * - an agent larger than a node of every pool it may use (every run would be rejected, never-fits);
 * - an agent whose only pools (those it may use and fits) never have a node, `nodes.max` 0 (every
 *   run would wait until the period ends: no scaling policy goes past max);
 * - a trigger of an unknown agent, an event or metric no schedule listens to (it would do nothing).
 */
export function checkTraceInputs(spec: TraceInputs, fleet: FleetDefinition, where: TraceWhere): void {
  const inScenario = (field: string): ErrorLocation => ({ ...(where.file !== undefined ? { file: where.file } : {}), field });
  const inFleet = (i: number, key: string): ErrorLocation => {
    const file = where.fleetFile ?? where.file;
    return { ...(file !== undefined ? { file } : {}), field: `${where.fleetFile === undefined ? 'trace.registry.' : ''}agents[${i}].${key}` };
  };
  fleet.agents.forEach((a, i) => {
    if (a.lifecycle === 'ephemeral' && !((a.durationMs ?? 0) > 0)) {
      throw new ConfigError(`agent '${a.id}' needs a duration > 0 in a simulation: how long each of its runs takes (e.g. duration: 5m)`, inFleet(i, 'duration'));
    }
    if (a.lifecycle === 'persistent' && a.durationMs !== undefined) {
      throw new ConfigError(`agent '${a.id}' is persistent: its runs last until they crash or the period ends, so duration would be ignored; remove it, or make the agent ephemeral`, inFleet(i, 'duration'));
    }
    if (a.pool !== undefined && where.pools !== undefined && !where.pools.includes(a.pool)) {
      throw new ConfigError(`unknown pool '${a.pool}' (the scenario's pools: ${where.pools.join(', ')})`, inFleet(i, 'pool'));
    }
    if (where.nodeCapacity !== undefined) checkFits(a, where.nodeCapacity, (key) => inFleet(i, writtenKey(writtenRegistry(spec.registry, where.fleetFile), i, key)));
    if (where.emptyPools !== undefined && where.pools !== undefined) checkSomeNode(a, where.pools, where.emptyPools, where.nodeCapacity, inFleet(i, 'pool'));
  });
  const ids = fleet.agents.map((a) => a.id);
  spec.triggers.forEach((t, i) => {
    if (!ids.includes(t.agent)) throw new ConfigError(`unknown agent '${t.agent}' (registered: ${ids.join(', ')})`, inScenario(`trace.triggers[${i}].agent`));
  });
  const listened = (kind: 'event' | 'metric'): string[] => {
    const names = new Set<string>();
    for (const a of fleet.agents) for (const s of a.schedules) if (s.kind === 'condition' && s.agent === undefined && s[kind] !== undefined) names.add(s[kind] as string);
    return [...names];
  };
  for (const [list, kind, key] of [[spec.events, 'event', 'events'], [spec.metrics, 'metric', 'metrics']] as const) {
    const names = listened(kind);
    list.forEach((e, i) => {
      if (names.includes(e.name)) return;
      const known = names.length > 0 ? `the fleet's ${kind} schedules listen to: ${names.join(', ')}` : `the fleet has no ${kind} schedule`;
      throw new ConfigError(`no schedule listens to ${kind} '${e.name}', so it would do nothing (${known})`, inScenario(`trace.${key}[${i}].name`));
    });
  }
}

/**
 * A trigger, event or metric at or after the end of the simulated period (the shorter of
 * trace.horizon and the scenario's horizon) would never fire: an error (not a warning), since the
 * period is in the same file and an input that cannot take effect is a mistake (a unit, a
 * shortened horizon) that changes the results without a sign.
 */
export function checkWithinHorizon(spec: TraceInputs & { readonly horizon?: number }, scenarioHorizon: number | undefined, file: string | undefined): void {
  // The run ends at the scenario's horizon: a longer trace.horizon plans runs it never reaches.
  const cut = spec.horizon !== undefined && scenarioHorizon !== undefined && scenarioHorizon < spec.horizon;
  const horizon = Math.min(spec.horizon ?? Infinity, scenarioHorizon ?? Infinity);
  if (!Number.isFinite(horizon)) return;
  const which = cut ? `: the scenario's, which ends the run before trace.horizon ${formatDuration(spec.horizon as number)}` : '';
  for (const key of ['triggers', 'events', 'metrics'] as const) {
    spec[key].forEach((x, i) => {
      if (x.at < horizon) return;
      const field = `trace.${key}[${i}].at`;
      throw new ConfigError(`at ${formatDuration(x.at)} is not before the end of the simulated period (horizon ${formatDuration(horizon)}${which}), so it would never happen; move it inside the period or lengthen the horizon`, { ...(file !== undefined ? { file } : {}), field });
    });
  }
}

/**
 * Refuse an agent that fits no node of the pools it may use (its `pool`, else every pool): each of
 * its runs would be rejected as never-fits, a fleet that silently does nothing. One node counts:
 * scaling adds nodes, never larger ones.  fits(p) ⇔ ∀ d: demand_d ≤ capacity_{p,d}
 */
function checkFits(a: AgentSpec, caps: Readonly<Record<string, Readonly<Record<string, number>>>>, at: (key: string) => ErrorLocation): void {
  const pools = a.pool !== undefined ? [a.pool] : Object.keys(caps);
  const misses: { pool: string; dim: string; want: number; has: number }[] = [];
  for (const pool of pools) {
    const miss = Object.entries(a.resources).find(([d, v]) => v > (caps[pool]?.[d] ?? 0) + 1e-9);
    if (miss === undefined) return; // fits a node of this pool
    misses.push({ pool, dim: miss[0], want: miss[1], has: caps[pool]?.[miss[0]] ?? 0 });
  }
  const first = misses[0];
  if (first === undefined) return;
  const detail = misses.map((m) => `pool '${m.pool}': ${m.dim} ${m.want} > ${m.has}`).join('; ');
  throw new ConfigError(`agent '${a.id}' never fits: it asks for more than a node of any pool it may use has (${detail}), so every run would be rejected as never-fits`, at(first.dim));
}

/** Refuse an agent whose usable pools (its `pool`, else every pool; of those, the ones a node of which it fits) all have nodes.max 0. */
function checkSomeNode(a: AgentSpec, pools: readonly string[], empty: readonly string[], caps: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined, at: ErrorLocation): void {
  const fits = (pool: string): boolean => caps === undefined || Object.entries(a.resources).every(([d, v]) => v <= (caps[pool]?.[d] ?? 0) + 1e-9);
  const usable = (a.pool !== undefined ? [a.pool] : pools).filter(fits);
  if (usable.length === 0 || usable.some((p) => !empty.includes(p))) return;
  const names = usable.map((p) => `'${p}'`).join(', ');
  throw new ConfigError(`agent '${a.id}' can run only on pool${usable.length > 1 ? 's' : ''} ${names}, which never ${usable.length > 1 ? 'have' : 'has'} a node (nodes.max 0): every run would wait until the period ends`, at);
}

/**
 * The fleet as written: `registry` (inline), or the fleet file's YAML (a fleet in a file has no
 * `trace.registry`: its keys were looked up there and named `agents[0].gpu` for `resources.gpu`).
 * Read only for an error's field.
 */
export function writtenRegistry(registry: unknown, fleetFile: string | undefined): unknown {
  return fleetFile === undefined ? registry : fleetFileValue(fleetFile);
}

/** The key resource `d` of agent `i` is written under: `cpu` (kOS style) or `resources.cpu`. */
export function writtenKey(registry: unknown, i: number, d: string): string {
  const agent = (registry as { agents?: unknown[] } | undefined)?.agents?.[i];
  if (typeof agent === 'object' && agent !== null) return d in agent ? d : `resources.${d}`;
  return ['cpu', 'memory', 'gpu'].includes(d) ? d : `resources.${d}`;
}
