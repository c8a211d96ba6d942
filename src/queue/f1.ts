import { F1_KEY } from './keys.js';
import { keyedPolicy, type KeyedPolicyOptions } from './keyed.js';
import type { QueuePolicy } from './policy.js';

/**
 * F1 (Carastan-Santos & de Camargo, "Obtaining dynamic scheduling policies with simulation and
 * machine learning", SC'17), the learned function RLScheduler compares against:
 *
 *   key = log10(r) · n + 870 · log10(s)        (0.1 replaces a value that is not positive)
 *
 * Small, short jobs and old jobs go first. `s` is the submit time as the trace gives it; for the
 * generic simulator that is the request's arrival (seconds from the trace's first job), so F1's
 * age term is weaker than on absolute Unix times. Blocking by default.
 */
export function f1(opts: KeyedPolicyOptions = {}): QueuePolicy {
  return keyedPolicy(F1_KEY, opts);
}
