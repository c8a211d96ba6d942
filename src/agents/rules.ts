import { PRIORITY_RANK } from '../core/priority.js';
import type { ResourceScheduler } from '../scheduler/index.js';
import type { Run } from './run.js';
import type { AgentSpec, RunState, SchedulerMode } from './types.js';

/** States in which a run holds back its dependents. */
export const LIVE: ReadonlySet<RunState> = new Set(['pending', 'starting', 'running']);

/**
 * Order in which pending runs are tried (`scheduler_mode`):
 *   priority: (priority rank, trigger time, trigger order); fifo and dependency: (trigger time,
 *   trigger order); lifo: the reverse of fifo.
 */
export function pendingOrder(pending: Run[], mode: SchedulerMode): Run[] {
  const fifo = (a: Run, b: Run) => a.triggeredAt - b.triggeredAt || a.seq - b.seq;
  switch (mode) {
    case 'priority':
      return pending.sort((a, b) => PRIORITY_RANK[a.agent.priority] - PRIORITY_RANK[b.agent.priority] || fifo(a, b));
    case 'fifo':
    case 'dependency':
      return pending.sort(fifo);
    case 'lifo':
      return pending.sort((a, b) => fifo(b, a));
  }
}

/**
 * Dependencies of `run` hold when, for each D in its agent's `dependsOn`: D is persistent and has
 * a run `running`; or D is ephemeral and no run of D triggered at or before `run` is still live.
 * The live runs it waits for are recorded in `run.waitedFor`.
 */
export function dependenciesMet(run: Run, agents: ReadonlyMap<string, AgentSpec>, byAgent: ReadonlyMap<string, readonly Run[]>): boolean {
  let ok = true;
  for (const d of run.agent.dependsOn) {
    const dep = agents.get(d) as AgentSpec;
    const runs = byAgent.get(d) ?? [];
    if (dep.lifecycle === 'persistent') {
      if (!runs.some((r) => r.state === 'running')) ok = false;
      continue;
    }
    for (const r of runs) {
      if (r.triggeredAt <= run.triggeredAt && LIVE.has(r.state)) {
        run.waitedFor.add(r.id);
        ok = false;
      }
    }
  }
  return ok;
}

/**
 * `max_memory_usage`: start nothing that would take memory above the share of all pools' memory.
 *   allocated_memory + run.memory ≤ limit × Σ capacity_memory
 */
export function memoryAllows(run: Run, scheduler: ResourceScheduler, limit: number | undefined): boolean {
  const want = run.agent.resources.memory ?? 0;
  if (limit === undefined || want === 0 || !scheduler.space.has('memory')) return true;
  let cap = 0;
  let used = 0;
  for (const p of scheduler.listPools()) {
    cap += p.capacity.memory ?? 0;
    used += p.allocated.memory ?? 0;
  }
  return used + want <= limit * cap + 1e-9;
}
