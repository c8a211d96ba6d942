import { agentRequests, type AgentTraceContext } from '../agents/workload.js';
import type { Request } from '../core/model.js';
import { newTraceStats, type TraceStats } from '../traces/trace-stats.js';

/**
 * Why a run the fleet triggered is not among the requests (the trace stats' `skipped` reason).
 * Not "never started": `drs run` warns "N of M requests never started" of requests that did not
 * run, and these runs never became requests at all.
 */
export const NEVER_BECAME_REQUESTS = 'triggered runs that never became requests (waiting for a dependency when the period ended)';

/**
 * An agents trace read as the other trace kinds are, with its stats: runs triggered (`records`),
 * requests (`emitted`), and runs triggered that never became requests (`skipped`), which `drs run`,
 * `drs sweep` and `drs validate` print as a note: the run would otherwise show fewer runs than the
 * fleet triggered without a word.
 */
export function agentTrace(raw: unknown, ctx: AgentTraceContext): AsyncIterable<Request> & { readonly stats: TraceStats } {
  const stats = newTraceStats();
  const neverRequested = (n: number): void => {
    if (n > 0) stats.skipped[NEVER_BECAME_REQUESTS] = n;
    stats.records += n;
  };
  async function* read(): AsyncGenerator<Request> {
    for await (const r of agentRequests(raw, { ...ctx, onNeverRequested: neverRequested })) {
      stats.records++;
      stats.emitted++;
      yield r;
    }
  }
  return { stats, [Symbol.asyncIterator]: read };
}
