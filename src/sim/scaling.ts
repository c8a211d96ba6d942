import type { ScaleAction } from '../autoscale/policy.js';
import { planScaleSteps } from '../autoscale/observe.js';
import type { ClusterState } from '../core/cluster.js';

export { poolScalingStates as scalingState } from '../autoscale/observe.js';

/**
 * Apply a policy's scale actions to the simulated cluster: the steps are planned by the shared
 * rule (`planScaleSteps`: clamp to [min, max], retire failed nodes, cancel booting nodes first,
 * retire only idle nodes), the simulator provisions (booting, billed from now) and removes.
 * Returns whether anything changed.
 */
export function applyScaleActions(
  state: ClusterState,
  actions: readonly ScaleAction[],
  hooks: { provision(pool: number): void; remove(nodeId: number): void },
): boolean {
  const steps = planScaleSteps(state, actions);
  for (const step of steps) {
    if (step.kind === 'provision') hooks.provision(step.pool);
    else {
      state.removeNode(step.nodeId);
      hooks.remove(step.nodeId);
    }
  }
  return steps.length > 0;
}
