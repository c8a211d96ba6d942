/** Moved: the reference protocol's SWF job reading lives in `src/sim/reference/workload.ts`. */
export * from '../reference/workload.js';
