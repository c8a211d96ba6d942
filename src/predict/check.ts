/** Shared argument checks for forecasters: programming mistakes throw RangeError, user data UserError. */
import { UserError } from '../core/errors.js';

export function checkHorizon(model: string, horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new RangeError(`${model}: forecast horizon must be a positive integer, got ${horizon}`);
  }
}

export function checkHistory(model: string, history: readonly number[], minPoints: number, why = ''): void {
  if (history.length < minPoints) {
    throw new UserError(
      `${model} needs at least ${minPoints} points${why === '' ? '' : ` (${why})`}, got ${history.length}`,
    );
  }
  for (let i = 0; i < history.length; i++) {
    const v = history[i];
    if (v === undefined || !Number.isFinite(v)) {
      throw new UserError(`${model}: history value at index ${i} is ${String(v)}; expected a finite number`);
    }
  }
}

export function notFitted(model: string): Error {
  return new Error(`${model}: forecast() called before fit()`);
}

/** history[i] for an index the caller knows is in range (noUncheckedIndexedAccess helper). */
export function at(xs: readonly number[], i: number): number {
  return xs[i] as number;
}
