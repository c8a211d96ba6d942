import { getHeapStatistics } from 'node:v8';
import { UserError } from '../core/errors.js';

/** Share of V8's heap limit past which a run stops with a `drs` error instead of V8's fatal crash. */
export const HEAP_STOP_SHARE = 0.9;
/** Checks in a row (4,096 arrivals apart) above that share: garbage not yet collected is not a full heap. */
export const HEAP_STOP_CHECKS = 3;

/**
 * A check for `compareStrategies`' progress callback (every 4,096 arrivals): when the JS heap is
 * nearly full, stop with an error that says why and what to do, instead of dying in V8's
 * "JavaScript heap out of memory" (an abort no code can catch, with no word on the cause). It reads
 * the process's memory, never a simulated decision: a run that finishes is unchanged by it.
 */
export function heapGuard(label: (strategyIndex: number) => string): (strategyIndex: number, arrivals: number, now: number) => void {
  let over = 0;
  return (i, arrivals, now) => {
    const h = getHeapStatistics();
    over = h.used_heap_size < HEAP_STOP_SHARE * h.heap_size_limit ? 0 : over + 1;
    if (over < HEAP_STOP_CHECKS) return;
    const mb = (b: number): string => `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MB`;
    throw new UserError(
      `out of memory: strategy '${label(i)}' stopped after ${arrivals.toLocaleString('en-US')} requests (simulated t=${(now / 3600).toFixed(2)}h): ` +
        `the JavaScript heap holds ${mb(h.used_heap_size)} of its ${mb(h.heap_size_limit)} limit. ` +
        `Give node more heap (NODE_OPTIONS=--max-old-space-size=${Math.ceil((2 * h.heap_size_limit) / 2 ** 20)} drs run ...), ` +
        `or replay less of the trace (trace.limit: N requests, or horizon: a duration); see docs/traces.md, Memory`,
    );
  };
}
