import type { SolveOptions } from '../../core/lp.js';

/**
 * A solve's wall clock (ms): the caller's, or `performance.now` when it set a time limit. A solve
 * without a time limit and without a clock (the simulator's work budgets) reads no clock at all.
 */
export interface SolveTimer {
  /** True once `timeLimitSeconds` has elapsed (never without a time limit). */
  readonly late: () => boolean;
  /** `{ seconds }` since the start, or `{}` without a clock. */
  readonly elapsed: () => { seconds?: number };
}

export function startTimer(options: SolveOptions): SolveTimer {
  const clock = options.clock ?? (options.timeLimitSeconds === undefined ? undefined : (): number => performance.now());
  if (clock === undefined) return { late: () => false, elapsed: () => ({}) };
  const t0 = clock();
  const deadline = options.timeLimitSeconds === undefined ? Infinity : t0 + options.timeLimitSeconds * 1000;
  return { late: () => deadline !== Infinity && clock() > deadline, elapsed: () => ({ seconds: (clock() - t0) / 1000 }) };
}
