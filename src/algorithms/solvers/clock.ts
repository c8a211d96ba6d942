import type { SolveOptions } from '../../core/lp.js';

/**
 * A solve's wall clock (ms) is always the caller's: the solvers never read a clock of their own,
 * so a solve without a clock (the simulator's work budgets) cannot depend on machine speed. A time
 * limit without a clock is a caller bug.
 */
export interface SolveTimer {
  /** True once `timeLimitSeconds` has elapsed (never without a time limit). */
  readonly late: () => boolean;
  /** `{ seconds }` since the start, or `{}` without a clock. */
  readonly elapsed: () => { seconds?: number };
  /** Seconds left of `timeLimitSeconds` now (≤ 0 once late; Infinity without a time limit). */
  readonly remainingSeconds: () => number;
}

export function startTimer(options: SolveOptions): SolveTimer {
  const clock = options.clock;
  if (clock === undefined) {
    if (options.timeLimitSeconds !== undefined) throw new Error('solve: timeLimitSeconds needs SolveOptions.clock (the solvers read no wall clock of their own)');
    return { late: () => false, elapsed: () => ({}), remainingSeconds: () => Infinity };
  }
  const t0 = clock();
  const deadline = options.timeLimitSeconds === undefined ? Infinity : t0 + options.timeLimitSeconds * 1000;
  return {
    late: () => deadline !== Infinity && clock() > deadline,
    elapsed: () => ({ seconds: (clock() - t0) / 1000 }),
    remainingSeconds: () => (deadline === Infinity ? Infinity : (deadline - clock()) / 1000),
  };
}
