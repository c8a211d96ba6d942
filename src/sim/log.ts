import type { PoolSpec, Request } from '../core/model.js';
import { REJECTION_CODES, type RejectionCode } from '../core/rejection.js';

/** Event kinds of the run log. */
export const EV = {
  /** A request arrived (ref = request index). */
  arrive: 0,
  /** Started on a node (ref = request index, node). */
  start: 1,
  /** Finished its work (ref, node). */
  complete: 2,
  /** Evicted for higher-priority work and requeued (ref, node). */
  preempt: 3,
  /** Its node failed; requeued (ref, node). */
  failEvict: 4,
  /** Its lease expired before the work was done; it ends unfinished (ref, node). */
  expire: 5,
  /** Rejected for good (ref, aux = rejection code index). */
  reject: 6,
  /** A node was asked for and starts booting; billing starts (node, aux = pool). */
  nodeProvision: 7,
  /** A node accepts work (node, aux = pool). */
  nodeUp: 8,
  /** A node failed (node, aux = pool); still billed until repaired or removed. */
  nodeFail: 9,
  /** A node was retired; billing stops (node, aux = pool). */
  nodeRemove: 10,
  /** Still waiting or running when the run ended (ref). */
  unfinished: 11,
} as const;
export type EventKind = (typeof EV)[keyof typeof EV];

/**
 * The run's event log, columnar (typed arrays) so a million-request replay stays small.
 * Requests are stored once, indexed by arrival order; events refer to them by index.
 */
export class EventLog {
  readonly requests: Request[] = [];
  readonly pools: readonly PoolSpec[];
  /** Pool of each node id. */
  readonly nodePool: number[] = [];
  /**
   * One entry per autoscaling tick (empty without a scaling policy): the demand the policy saw and
   * what it forecast (for time `at`), per pool, in node-equivalents (DemandSample.demandNodes; null = no forecast).
   * For the report's demand / forecast / capacity chart.
   */
  readonly scaleTicks: { readonly t: number; readonly demand: readonly number[]; readonly forecast: readonly ({ readonly at: number; readonly nodes: number } | null)[] }[] = [];
  /** GPU devices taken by a start event on a device node (event index → device indexes); see core/gpu.ts. */
  readonly devices = new Map<number, readonly number[]>();
  private kinds = new Uint8Array(4096);
  private times = new Float64Array(4096);
  private refs = new Int32Array(4096);
  private nodes = new Int32Array(4096);
  private n = 0;

  constructor(pools: readonly PoolSpec[]) {
    this.pools = pools;
  }

  get length(): number {
    return this.n;
  }

  kind(i: number): EventKind {
    return this.kinds[i] as EventKind;
  }
  time(i: number): number {
    return this.times[i] as number;
  }
  /** Request index (request events) or aux value (node events: pool; reject: code index). */
  ref(i: number): number {
    return this.refs[i] as number;
  }
  node(i: number): number {
    return this.nodes[i] as number;
  }

  addRequest(r: Request): number {
    this.requests.push(r);
    return this.requests.length - 1;
  }

  push(kind: EventKind, time: number, ref: number, node = -1): void {
    if (this.n === this.kinds.length) this.grow();
    this.kinds[this.n] = kind;
    this.times[this.n] = time;
    this.refs[this.n] = ref;
    this.nodes[this.n] = node;
    this.n++;
  }

  reject(time: number, requestIndex: number, code: RejectionCode): void {
    this.push(EV.reject, time, requestIndex, REJECTION_CODES.indexOf(code));
  }

  private grow(): void {
    const cap = this.kinds.length * 2;
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    const t = new Float64Array(cap);
    t.set(this.times);
    const r = new Int32Array(cap);
    r.set(this.refs);
    const nd = new Int32Array(cap);
    nd.set(this.nodes);
    this.kinds = k;
    this.times = t;
    this.refs = r;
    this.nodes = nd;
  }
}
