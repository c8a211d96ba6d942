/**
 * The `planner` section of a queue model file (src/queue/learned-planner.ts plays it): a
 * model-based policy for runs without backfilling. Its learned part is the workload model, the
 * empirical distribution of the training data it was built from; at each pick it draws futures
 * from that distribution and rolls the queue out under them (Bertsekas' rollout over F1).
 *
 *   method      'rollout'
 *   candidates  K ≥ 2: how many of the candidates, in F1's order, are rolled out
 *   samples     futures drawn per pick (shared by the K candidates: common random numbers)
 *   future      arrivals per future
 *   seed        the draws' seed (each pick's draws come from it, the time and the K candidates)
 *   workload    gaps: seconds between consecutive submits; jobs: [width, requested seconds] pairs
 *   source      free-form: which log and jobs the workload was read from (the training data)
 */
export interface PlannerSpec {
  readonly method: 'rollout';
  readonly candidates: number;
  readonly samples: number;
  readonly future: number;
  readonly seed: string;
  readonly workload: { readonly gaps: readonly number[]; readonly jobs: readonly (readonly [number, number])[] };
  readonly source?: unknown;
}

/** The rollout configuration of round 14's teacher (docs/learned-rounds.md), fixed on probe windows: a planner's defaults. */
export const ROLLOUT_DEFAULTS = { candidates: 4, samples: 8, future: 32 } as const;

/** Most futures × arrivals a pick may simulate per candidate (keeps a decision's cost bounded). */
export const MAX_PLANNED_ARRIVALS = 4096;
/** Most candidates a pick rolls out (the learned queue's candidate count). */
export const MAX_PLANNED_CANDIDATES = 128;

const PLANNER_KEYS = ['method', 'candidates', 'samples', 'future', 'seed', 'workload', 'source'];

/** Check a model file's `planner` (throws through `bad`, which names the field). */
export function checkPlanner(raw: unknown, bad: (field: string, what: string) => never): PlannerSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('planner', 'planner must be an object (method, candidates, samples, future, seed, workload)');
  const p = raw as Record<string, unknown>;
  const extra = Object.keys(p).filter((k) => !PLANNER_KEYS.includes(k));
  if (extra.length > 0) bad(`planner.${extra[0]}`, `unknown key '${extra[0]}' (valid keys: ${PLANNER_KEYS.join(', ')})`);
  if (p.method !== 'rollout') bad('planner.method', `method must be 'rollout', got ${JSON.stringify(p.method)}`);
  const int = (k: string, min: number): number => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(`planner.${k}`, `${k} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const samples = int('samples', 1);
  const future = int('future', 1);
  const k = int('candidates', 2);
  if (k > MAX_PLANNED_CANDIDATES) bad('planner.candidates', `candidates must be at most ${MAX_PLANNED_CANDIDATES} (each is rolled out at every pick), got ${k}`);
  if (samples * future > MAX_PLANNED_ARRIVALS) bad('planner', `samples × future must be at most ${MAX_PLANNED_ARRIVALS} (a pick's cost grows with it), got ${samples} × ${future}`);
  if (typeof p.seed !== 'string' || p.seed === '') bad('planner.seed', 'seed must be a non-empty string');
  const w = p.workload as { gaps?: unknown; jobs?: unknown } | undefined;
  if (typeof w !== 'object' || w === null || Array.isArray(w)) bad('planner.workload', 'workload must be an object with gaps and jobs');
  const gaps = (w as { gaps?: unknown }).gaps;
  if (!Array.isArray(gaps) || gaps.length === 0) bad('planner.workload.gaps', 'gaps must be a non-empty list of seconds');
  (gaps as unknown[]).forEach((g, i) => {
    if (typeof g !== 'number' || !Number.isFinite(g) || g < 0) bad(`planner.workload.gaps[${i}]`, `a gap must be a finite number of seconds ≥ 0, got ${JSON.stringify(g)}`);
  });
  const jobs = (w as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs) || jobs.length === 0) bad('planner.workload.jobs', 'jobs must be a non-empty list of [width, requested seconds] pairs');
  (jobs as unknown[]).forEach((j, i) => {
    const ok = Array.isArray(j) && j.length === 2 && j.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0);
    if (!ok) bad(`planner.workload.jobs[${i}]`, `a job must be [width, requested seconds], two positive finite numbers, got ${JSON.stringify(j)}`);
  });
  return raw as PlannerSpec;
}
