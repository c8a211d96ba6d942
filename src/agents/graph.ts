import { ConfigError, type ErrorLocation } from '../core/errors.js';
import type { AgentSpec } from './types.js';

type Locate = (path: readonly PropertyKey[]) => ErrorLocation;

/**
 * Cross-agent checks: ids are unique; `dependsOn`, `triggers` and conditions name registered
 * agents; neither the dependency graph nor the cascade graph has a cycle (a dependency cycle
 * could never start; a cascade cycle would trigger itself forever). The error names the field
 * and spells the cycle out (`a → b → a`).
 */
export function checkGraph(agents: readonly AgentSpec[], loc: Locate): void {
  const index = new Map<string, number>();
  agents.forEach((a, i) => {
    if (index.has(a.id)) throw new ConfigError(`duplicate agent id '${a.id}' (also agents[${index.get(a.id)}])`, loc(['agents', i, 'id']));
    index.set(a.id, i);
  });
  const known = (id: string, path: readonly PropertyKey[]) => {
    if (!index.has(id)) throw new ConfigError(`unknown agent '${id}' (registered: ${[...index.keys()].join(', ')})`, loc(path));
  };
  agents.forEach((a, i) => {
    a.dependsOn.forEach((d, j) => {
      known(d, ['agents', i, 'dependsOn', j]);
      if (d === a.id) throw new ConfigError(`dependency cycle: ${a.id} → ${a.id}`, loc(['agents', i, 'dependsOn', j]));
    });
    a.triggers.forEach((t, j) => known(t, ['agents', i, 'triggers', j]));
    a.schedules.forEach((s, j) => {
      if (s.kind === 'condition' && s.agent !== undefined) known(s.agent, ['agents', i, 'schedule', j, 'agent']);
    });
  });
  for (const [edge, label] of [['dependsOn', 'dependency'], ['triggers', 'cascade']] as const) {
    const cycle = findCycle(agents, (a) => a[edge]);
    if (cycle !== undefined) {
      const first = index.get(cycle[0] as string) as number;
      throw new ConfigError(`${label} cycle: ${cycle.join(' → ')}`, loc(['agents', first, edge]));
    }
  }
}

/** A cycle (first node repeated at the end) in the graph id → next(id), found by depth-first search. */
export function findCycle(agents: readonly AgentSpec[], next: (a: AgentSpec) => readonly string[]): string[] | undefined {
  const byId = new Map(agents.map((a) => [a.id, a]));
  const color = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    color.set(id, 1);
    stack.push(id);
    for (const n of next(byId.get(id) as AgentSpec)) {
      if (color.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
      if (color.get(n) === undefined) {
        const c = visit(n);
        if (c !== undefined) return c;
      }
    }
    stack.pop();
    color.set(id, 2);
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
