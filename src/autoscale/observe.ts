import type { PoolScalingState, ScaleAction } from './policy.js';
import type { ClusterState } from '../core/cluster.js';
import { eligiblePools, requestCostRate } from '../core/eligibility.js';
import type { PoolSpec, Request } from '../core/model.js';
import { dominantShare } from '../core/resources.js';

/**
 * What a ScalingPolicy sees of each pool (see PoolScalingState): utilization of the up nodes, and
 * running and queued demand in node-equivalents of each pool's dominant dimension. The simulator
 * and the production scheduler both call this, so a policy sees the same numbers in both.
 * `turnedAway`: requests refused for lack of capacity since the previous decision (no wait queue,
 * a full one, or a zero queue timeout); they count as queued demand, as if they had waited, so a
 * pool scaled to zero grows when work arrives whether or not it can queue.
 */
export function poolScalingStates(state: ClusterState, waiting: readonly Request[], turnedAway: readonly Request[] = []): PoolScalingState[] {
  const D = state.space.size;
  const out = state.pools.map((spec, pool) => {
    // As poolUsage (same sums, same order), with the running demand in the same walk; a run of
    // allocations of one demand vector (the usual case) computes its dominant share once.
    const cap = new Array<number>(D).fill(0);
    const used = new Array<number>(D).fill(0);
    let runningNodes = 0;
    let lastDemand: readonly number[] | undefined;
    let lastShare = 0;
    const up = state.upNodes(pool);
    for (const id of up) {
      const c = state.capacity(id);
      const f = state.free(id);
      for (let d = 0; d < D; d++) {
        cap[d] = (cap[d] as number) + (c[d] as number);
        used[d] = (used[d] as number) + (c[d] as number) - (f[d] as number);
      }
      for (const a of state.allocationsOn(id)) {
        const demand = a.request.demand;
        if (lastDemand === undefined || !sameDemand(lastDemand, demand)) {
          lastDemand = demand;
          lastShare = dominantShare(demand, spec.capacity);
        }
        runningNodes += lastShare;
      }
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
  // A waiting request counts once, towards its cheapest eligible pool that may still grow (ties:
  // scenario order), so two pools that could both host it do not both scale out for it. A pool
  // may grow while its nodes (up and booting) and the queued demand counted towards it so far stay
  // below its max: demand beyond spills over to the next cheapest, so a fixed or full cheap pool
  // does not hold the demand an elastic dearer pool could take (it never grew). With no pool
  // left to grow, the cheapest counts it (no policy can add a node for it then anyway).
  const room = out.map((s) => s.spec.nodes.max - s.up - s.booting);
  const classes = new DemandClasses(state);
  for (const r of turnedAway.length === 0 ? waiting : [...waiting, ...turnedAway]) {
    const c = classes.of(r);
    if (c.pools.length === 0) continue;
    // The cheapest pool with room (c.pools is by rate, ties in scenario order), else the cheapest.
    let k = 0;
    while (k < c.pools.length && (out[c.pools[k] as number] as (typeof out)[number]).queuedNodes >= (room[c.pools[k] as number] as number) - 1e-9) k++;
    if (k === c.pools.length) k = 0;
    (out[c.pools[k] as number] as (typeof out)[number]).queuedNodes += c.shares[k] as number;
  }
  return out;
}

/**
 * What the queued-demand loop needs of a request, the same for every request of one demand vector
 * and eligible-pool set (most of a queue shares a few): its eligible pools with a finite cost rate
 * (requestCostRate), sorted by rate with ties in scenario order (a stable sort of the eligible
 * list), and its dominant share of each. Answers are exactly those computed request by request.
 */
interface DemandClass {
  readonly demand: readonly number[];
  /** The eligible-pool answer (interned by eligiblePools), or undefined for a request without constraints (eligibility then depends on the demand alone). */
  readonly eligible: readonly number[] | undefined;
  readonly pools: readonly number[];
  readonly shares: readonly number[];
}

/** The classes met during one poolScalingStates call; the last one is tried first. */
class DemandClasses {
  private readonly known: DemandClass[] = [];
  private last: DemandClass | undefined;

  constructor(private readonly state: ClusterState) {}

  of(r: Request): DemandClass {
    const eligible = r.constraints === undefined && r.gpuModels === undefined ? undefined : eligiblePools(this.state, r).pools;
    const last = this.last;
    if (last !== undefined && last.eligible === eligible && sameDemand(last.demand, r.demand)) return last;
    let c = this.known.find((k) => k.eligible === eligible && sameDemand(k.demand, r.demand));
    if (c === undefined) {
      const all = eligible ?? eligiblePools(this.state, r).pools;
      const rated = all.map((p) => ({ p, rate: requestCostRate(this.state.pools[p] as PoolSpec, r.demand) })).filter((x) => x.rate < Infinity);
      rated.sort((x, y) => x.rate - y.rate); // stable: equal rates keep scenario order
      const pools = rated.map((x) => x.p);
      c = { demand: r.demand, eligible, pools, shares: pools.map((p) => dominantShare(r.demand, (this.state.pools[p] as PoolSpec).capacity)) };
      if (this.known.length < 64) this.known.push(c);
    }
    this.last = c;
    return c;
  }
}

function sameDemand(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

export type ScaleStep = { readonly kind: 'provision'; readonly pool: number; readonly reason: string } | { readonly kind: 'remove'; readonly nodeId: number; readonly reason: string };

/**
 * Turn scale actions into concrete steps, clamped so up + booting stays within the pool's
 * [min, max]. Nothing is changed here: the caller (simulator or scheduler) applies the steps.
 *
 * Failed nodes are no capacity: a policy sees up + booting, and the bounds hold those. A failed
 * node is retired (its billing stops, its pending repair is void) as soon as the policy acts on
 * its pool, highest id first:
 * - scale-out: each node provisioned replaces a failed node, if the pool has one (the failed node
 *   is retired just before: as a cloud instance group recreates an unhealthy instance). So the
 *   nodes billed, up + booting + failed, never exceed max, and a repair cannot push the pool over it.
 * - scale-in: every failed node is retired first, on top of the nodes the action removes (they
 *   were never in the size the policy shrinks); then booting nodes are cancelled (newest first),
 *   then idle up nodes retired, highest id first; a busy node is never removed (the action is cut
 *   short instead).
 */
export function planScaleSteps(state: ClusterState, actions: readonly ScaleAction[]): ScaleStep[] {
  const steps: ScaleStep[] = [];
  const removing = new Set<number>();
  const added = new Map<number, number>();
  for (const act of actions) {
    const spec = state.pools[act.pool];
    if (spec === undefined || !Number.isFinite(act.delta) || act.delta === 0) continue;
    let up = 0;
    let booting = 0;
    const failed: number[] = []; // highest id first
    for (const id of state.upNodes(act.pool)) if (!removing.has(id)) up++;
    // The pool's nodes not removed, highest id first (removed ones are neither booting nor failed).
    const nodes = state.liveNodes(act.pool);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const id = nodes[i] as number;
      if (removing.has(id)) continue;
      const status = state.nodeStatus(id);
      if (status === 'booting') booting++;
      else if (status === 'failed') failed.push(id);
    }
    const total = up + booting + (added.get(act.pool) ?? 0);
    const retire = (id: number, why: string): void => {
      removing.add(id);
      steps.push({ kind: 'remove', nodeId: id, reason: `${why} (${act.reason})` });
    };
    if (act.delta > 0) {
      const add = Math.min(Math.floor(act.delta), spec.nodes.max - total);
      for (let i = 0; i < add; i++) {
        const old = failed[i];
        if (old !== undefined) retire(old, 'failed node replaced');
        steps.push({ kind: 'provision', pool: act.pool, reason: act.reason });
      }
      if (add > 0) added.set(act.pool, (added.get(act.pool) ?? 0) + add);
    } else {
      for (const id of failed) retire(id, 'failed node retired on scale-in');
      let remove = Math.min(Math.floor(-act.delta), total - spec.nodes.min);
      for (let i = nodes.length - 1; i >= 0 && remove > 0; i--) {
        const id = nodes[i] as number;
        if (state.nodeStatus(id) !== 'booting' || removing.has(id)) continue;
        removing.add(id);
        steps.push({ kind: 'remove', nodeId: id, reason: act.reason });
        remove--;
      }
      const ups = [...state.upNodes(act.pool)].reverse();
      for (const id of ups) {
        if (remove <= 0) break;
        if (removing.has(id)) continue;
        let busy = false;
        for (const _a of state.allocationsOn(id)) {
          busy = true;
          break;
        }
        if (busy) continue;
        removing.add(id);
        steps.push({ kind: 'remove', nodeId: id, reason: act.reason });
        remove--;
      }
    }
  }
  return steps;
}
