import type { PoolScalingState, ScaleAction } from '../autoscale/policy.js';
import type { ClusterState } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import type { PoolSpec, Request } from '../core/model.js';
import { dominantShare } from '../core/resources.js';

/** What the scaling policy sees of each pool (see PoolScalingState for the measures). */
export function scalingState(state: ClusterState, waiting: readonly Request[]): PoolScalingState[] {
  const D = state.space.size;
  const out = state.pools.map((spec, pool) => {
    const used = new Array<number>(D).fill(0);
    const cap = new Array<number>(D).fill(0);
    let runningNodes = 0;
    const up = state.upNodes(pool);
    for (const id of up) {
      const c = state.capacity(id);
      const f = state.free(id);
      for (let d = 0; d < D; d++) {
        cap[d] = (cap[d] as number) + (c[d] as number);
        used[d] = (used[d] as number) + (c[d] as number) - (f[d] as number);
      }
      for (const a of state.allocationsOn(id)) runningNodes += dominantShare(a.request.demand, spec.capacity);
    }
    return {
      pool,
      spec,
      up: up.length,
      booting: state.countNodes(pool, 'booting'),
      utilization: cap.map((c, d) => (c > 0 ? (used[d] as number) / c : 0)),
      queuedNodes: 0,
      runningNodes,
    };
  });
  for (const r of waiting) {
    const e = eligiblePools(state, r);
    for (const p of e.pools) {
      const s = out[p] as (typeof out)[number];
      s.queuedNodes += dominantShare(r.demand, (state.pools[p] as PoolSpec).capacity);
    }
  }
  return out;
}

/**
 * Apply scale actions, clamped so up + booting stays within the pool's [min, max]. Scale-in
 * cancels booting nodes first, then retires idle up nodes, highest id first; busy nodes are
 * never removed (the action is cut short instead). Returns whether anything changed.
 */
export function applyScaleActions(
  state: ClusterState,
  actions: readonly ScaleAction[],
  _now: number,
  hooks: { provision(pool: number): void; remove(nodeId: number): void },
): boolean {
  let changed = false;
  for (const act of actions) {
    const spec = state.pools[act.pool];
    if (spec === undefined || !Number.isFinite(act.delta) || act.delta === 0) continue;
    const up = state.upNodes(act.pool).length;
    const booting = state.countNodes(act.pool, 'booting');
    const total = up + booting;
    if (act.delta > 0) {
      const add = Math.min(Math.floor(act.delta), spec.nodes.max - total);
      for (let i = 0; i < add; i++) hooks.provision(act.pool);
      if (add > 0) changed = true;
    } else {
      let remove = Math.min(Math.floor(-act.delta), total - spec.nodes.min);
      for (let id = state.nodeCount - 1; id >= 0 && remove > 0; id--) {
        if (state.nodePool(id) !== act.pool || state.nodeStatus(id) !== 'booting') continue;
        state.removeNode(id);
        hooks.remove(id);
        remove--;
        changed = true;
      }
      const ups = [...state.upNodes(act.pool)].reverse();
      for (const id of ups) {
        if (remove <= 0) break;
        let busy = false;
        for (const _a of state.allocationsOn(id)) {
          busy = true;
          break;
        }
        if (busy) continue;
        state.removeNode(id);
        hooks.remove(id);
        remove--;
        changed = true;
      }
    }
  }
  return changed;
}
