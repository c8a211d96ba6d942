import type { EventLog } from '../log.js';
import type { PoolMetrics, RunMetrics } from './types.js';

/**
 * Per-pool time integrals, gathered in `runFacts`'s one pass over the log (it calls the tally's
 * hooks where it updates its run-wide totals, with the same billing rules): node-seconds and cost
 * billed (provisioned to removed, boot and failed time included), ∫ allocated dt and ∫ capacity
 * of up nodes dt per dimension (index p·D + d), and the most nodes billed at once. Pools are
 * indexed as `log.pools`. (No node count at the end: the run removes every node then.)
 */
export interface PoolFacts {
  readonly nodeSeconds: Float64Array;
  readonly cost: Float64Array;
  readonly allocInt: Float64Array;
  readonly capInt: Float64Array;
  readonly peakNodes: Int32Array;
}

/** Node states as `runFacts` numbers them: 0 none, 1 booting (billed), 2 up, 3 failed. */
export class PoolTally implements PoolFacts {
  readonly nodeSeconds: Float64Array;
  readonly cost: Float64Array;
  readonly allocInt: Float64Array;
  readonly capInt: Float64Array;
  readonly peakNodes: Int32Array;
  private readonly billed: Int32Array;
  private readonly alloc: Float64Array;
  private readonly capUp: Float64Array;

  constructor(private readonly log: EventLog, private readonly D: number) {
    const P = log.pools.length;
    this.nodeSeconds = new Float64Array(P);
    this.cost = new Float64Array(P);
    this.allocInt = new Float64Array(P * D);
    this.capInt = new Float64Array(P * D);
    this.peakNodes = new Int32Array(P);
    this.billed = new Int32Array(P);
    this.alloc = new Float64Array(P * D);
    this.capUp = new Float64Array(P * D);
  }

  /** Time passes by dt with the current state. */
  advance(dt: number): void {
    const pools = this.log.pools;
    for (let p = 0; p < pools.length; p++) {
      const n = this.billed[p] as number;
      this.nodeSeconds[p] = (this.nodeSeconds[p] as number) + n * dt;
      this.cost[p] = (this.cost[p] as number) + ((pools[p] as { pricePerHour: number }).pricePerHour * n * dt) / 3600;
    }
    for (let k = 0; k < this.alloc.length; k++) {
      this.allocInt[k] = (this.allocInt[k] as number) + (this.alloc[k] as number) * dt;
      this.capInt[k] = (this.capInt[k] as number) + (this.capUp[k] as number) * dt;
    }
  }

  /** Billing of a node of pool `p` starts (+1) or stops (−1). */
  bill(p: number, sign: 1 | -1): void {
    const n = (this.billed[p] as number) + sign;
    this.billed[p] = n;
    if (n > (this.peakNodes[p] as number)) this.peakNodes[p] = n;
  }

  /** A node goes from state `was` to `s`. */
  nodeState(node: number, was: number, s: number): void {
    const sign = (s === 2 ? 1 : 0) - (was === 2 ? 1 : 0);
    if (sign === 0) return;
    const p = this.log.nodePool[node] as number;
    const cap = (this.log.pools[p] as { capacity: readonly number[] }).capacity;
    for (let d = 0; d < this.D; d++) this.capUp[p * this.D + d] = (this.capUp[p * this.D + d] as number) + sign * (cap[d] as number);
  }

  /** Work of `demand` starts (+1) or stops (−1) on `node`. */
  allocate(node: number, demand: readonly number[], sign: 1 | -1): void {
    if (node < 0) return;
    const p = this.log.nodePool[node] as number;
    for (let d = 0; d < this.D; d++) this.alloc[p * this.D + d] = (this.alloc[p * this.D + d] as number) + sign * (demand[d] as number);
  }
}

/**
 * Per pool (by name): node-hours and cost billed (as `cost`'s, so the pools' costs sum to the
 * total), utilization per dimension (∫ allocated ÷ ∫ capacity of the pool's up nodes; null
 * without capacity, as the run's and production's drs_pool_utilization) and the most nodes
 * billed at once.
 */
export function byPool(f: { readonly log: EventLog; readonly dims: readonly string[]; readonly pools: PoolFacts }): RunMetrics['byPool'] {
  const D = f.dims.length;
  const out: Record<string, PoolMetrics> = {};
  f.log.pools.forEach((pool, p) => {
    const utilization: Record<string, number | null> = {};
    f.dims.forEach((name, d) => {
      const cap = f.pools.capInt[p * D + d] as number;
      utilization[name] = cap > 0 ? (f.pools.allocInt[p * D + d] as number) / cap : null;
    });
    out[pool.name] = {
      nodeHours: (f.pools.nodeSeconds[p] as number) / 3600,
      cost: f.pools.cost[p] as number,
      utilization,
      peakNodes: f.pools.peakNodes[p] as number,
    };
  });
  return out;
}
