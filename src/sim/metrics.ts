/** The run metrics: one pass over the event log for the facts, then pure functions per family (`src/sim/metrics/`). */
export * from './metrics/index.js';
