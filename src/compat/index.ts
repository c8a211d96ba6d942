/**
 * `drs-toolkit/compat`: the DRS resource-pool package's API (`ResourceScheduler`,
 * `defaultScheduler`) on this project's scheduler. Change only the import line of code written
 * for the package. See docs/compat.md.
 */
import { ResourceScheduler } from './scheduler.js';

export { ResourceScheduler, type CompatOptions } from './scheduler.js';
export type {
  Allocation,
  AllocationRequest,
  AllocationStatus,
  CompatFailure,
  CompatPriority,
  PreemptionEvent,
  PreemptionResult,
  ResourcePool,
  ResourcePoolInput,
} from './types.js';

/** The package's pre-created singleton (in memory, wall clock). */
export const defaultScheduler = new ResourceScheduler();
