import { ConfigError, type ErrorLocation } from '../core/errors.js';
import { LIFECYCLE_EVENTS } from './triggers.js';
import type { AgentSpec } from './types.js';

type Locate = (path: readonly PropertyKey[]) => ErrorLocation;
/** Where schedule `j` of agent `i` is written (`agents[i].schedule[j]`, or `agents[i].schedule` for a single one). */
type SchedulePath = (i: number, j: number) => readonly PropertyKey[];

const listed: SchedulePath = (i, j) => ['agents', i, 'schedule', j];

/** A lifecycle trigger: a run of `from` ending (cascade) or reaching `event` triggers a run of `to`. */
interface TriggerEdge {
  readonly from: string;
  readonly to: string;
  /** `cascade` (from's `triggers`) or the lifecycle event a condition schedule of `to` listens to. */
  readonly event: string;
  readonly path: readonly PropertyKey[];
}

/**
 * Cross-agent checks: ids are unique; `dependsOn`, `triggers` and conditions name registered
 * agents, and a condition on another agent names one of its lifecycle events; the dependency
 * graph, the cascade graph and the graph of lifecycle triggers have no cycle. The error names the
 * field and spells the cycle out (`a → b → a`).
 *
 * Lifecycle triggers are cascades (`triggers`: a completed run of A triggers B) and condition
 * schedules on another agent's event (`{ event: started, agent: A }` on B). Any cycle of them is
 * refused: every run would trigger the next one for ever. Through `started` (or a run that ends at
 * once: 0 s, a failure to get resources, a crash on launch) the runs follow one another at the
 * same instant and time never advances; through runs that take time it still never ends in
 * production (only the horizon stops a simulation), and production's run times are the
 * launcher's, unknown here. Repeating an agent is what cron schedules are for.
 */
export function checkGraph(agents: readonly AgentSpec[], loc: Locate, schedulePath: SchedulePath = listed): void {
  const index = new Map<string, number>();
  agents.forEach((a, i) => {
    if (index.has(a.id)) throw new ConfigError(`duplicate agent id '${a.id}' (also agents[${index.get(a.id)}])`, loc(['agents', i, 'id']));
    index.set(a.id, i);
  });
  const known = (id: string, path: readonly PropertyKey[]) => {
    if (!index.has(id)) throw new ConfigError(`unknown agent '${id}' (registered: ${[...index.keys()].join(', ')})`, loc(path));
  };
  const edges: TriggerEdge[] = [];
  agents.forEach((a, i) => {
    a.dependsOn.forEach((d, j) => {
      known(d, ['agents', i, 'dependsOn', j]);
      if (d === a.id) throw new ConfigError(`dependency cycle: ${a.id} → ${a.id}`, loc(['agents', i, 'dependsOn', j]));
    });
    a.triggers.forEach((t, j) => {
      known(t, ['agents', i, 'triggers', j]);
      edges.push({ from: a.id, to: t, event: 'cascade', path: ['agents', i, 'triggers', j] });
    });
    a.schedules.forEach((s, j) => {
      if (s.kind !== 'condition' || s.agent === undefined) return;
      const at = schedulePath(i, j);
      if (s.event === undefined) throw new ConfigError(`a condition on agent '${s.agent}' needs the event to wait for (event: ${LIFECYCLE_EVENTS.join(', ')})`, loc([...at, 'agent']));
      known(s.agent, [...at, 'agent']);
      if (!(LIFECYCLE_EVENTS as readonly string[]).includes(s.event)) {
        throw new ConfigError(`unknown lifecycle event '${s.event}' of agent '${s.agent}' (expected one of ${LIFECYCLE_EVENTS.join(', ')})`, loc([...at, 'event']));
      }
      edges.push({ from: s.agent, to: a.id, event: s.event, path: at });
    });
  });
  for (const [edge, label] of [['dependsOn', 'dependency'], ['triggers', 'cascade']] as const) {
    const cycle = findCycle(agents, (a) => a[edge]);
    if (cycle !== undefined) {
      const first = index.get(cycle[0] as string) as number;
      throw new ConfigError(`${label} cycle: ${cycle.join(' → ')}`, loc(['agents', first, edge]));
    }
  }
  checkTriggerCycles(agents, edges, loc);
}

/** Refuse a cycle of lifecycle triggers (cascades and conditions on lifecycle events), naming a condition schedule in it. */
function checkTriggerCycles(agents: readonly AgentSpec[], edges: readonly TriggerEdge[], loc: Locate): void {
  const out = new Map<string, TriggerEdge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const cycle = findCycle(agents, (a) => (out.get(a.id) ?? []).map((e) => e.to));
  if (cycle === undefined) return;
  // The edges along the cycle (the first one defined between each pair; a started edge if any, it is the worst).
  const along: TriggerEdge[] = [];
  for (let k = 0; k + 1 < cycle.length; k++) {
    const between = (out.get(cycle[k] as string) ?? []).filter((e) => e.to === cycle[k + 1]);
    along.push(between.find((e) => e.event === 'started') ?? (between[0] as TriggerEdge));
  }
  const spelled = (cycle[0] as string) + along.map((e) => ` —${e.event}→ ${e.to}`).join('');
  const why = along.some((e) => e.event === 'started')
    ? 'a run starting triggers the next run at the same instant, so time never advances'
    : 'each run that ends triggers the next, for ever (at the same instant when a run ends at once)';
  const named = along.find((e) => e.event !== 'cascade') ?? (along[0] as TriggerEdge);
  throw new ConfigError(`trigger cycle: ${spelled}: ${why}; to repeat an agent use a cron schedule, to keep one running use lifecycle: persistent`, loc(named.path));
}

/** A cycle (first node repeated at the end) in the graph id → next(id), found by depth-first search. */
export function findCycle(agents: readonly AgentSpec[], next: (a: AgentSpec) => readonly string[]): string[] | undefined {
  const byId = new Map(agents.map((a) => [a.id, a]));
  const color = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  // Depth-first, with an explicit stack (a chain of thousands of agents overflowed the call
  // stack when this recursed); the same visiting order as the recursion, so the same cycle.
  const visit = (root: string): string[] | undefined => {
    const frames: { id: string; next: readonly string[]; k: number }[] = [];
    const enter = (id: string) => {
      color.set(id, 1);
      stack.push(id);
      frames.push({ id, next: next(byId.get(id) as AgentSpec), k: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1] as { id: string; next: readonly string[]; k: number };
      if (f.k < f.next.length) {
        const n = f.next[f.k++] as string;
        if (color.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
        if (color.get(n) === undefined) enter(n);
        continue;
      }
      frames.pop();
      stack.pop();
      color.set(f.id, 2);
    }
    return undefined;
  };
  for (const a of agents) {
    if (color.get(a.id) === undefined) {
      const c = visit(a.id);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}
