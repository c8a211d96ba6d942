/**
 * The fifteenth round's rows (docs/learned-rounds.md): each candidate's row of production's features
 * followed by production's context features (src/queue/learned-context.ts, where they are defined),
 * computed here from the bench simulator's jobs.
 */
import { CONTEXT_FEATURES, contextFeatures } from '../../src/queue/learned-context.js';
import type { Job, Sim } from './sim.js';

export { CONTEXT_FEATURES };

/**
 * Rows of F + 7 features: `base` (n × F, production's rows, log-wait in column 0) with the context
 * features of `jobs` (the candidates, in the rows' order) appended; the width is a job's procs and
 * the free width the simulator's free processors.
 */
export function withContext(base: Float64Array, F: number, jobs: readonly Job[], sim: Pick<Sim, 'free'>): Float64Array {
  const n = jobs.length;
  const W = F + CONTEXT_FEATURES.length;
  const x = new Float64Array(n * W);
  for (let j = 0; j < n; j++) for (let f = 0; f < F; f++) x[j * W + f] = base[j * F + f] as number;
  contextFeatures(x, W, F, n, { key: jobs.map((j) => j.key), seq: jobs.map((j) => j.seq), requested: jobs.map((j) => j.req), width: jobs.map((j) => j.procs) }, sim.free);
  return x;
}
