import type { PoolSpec, Request } from '../core/model.js';
import { REJECTION_CODES, type RejectionCode } from '../core/rejection.js';
import { requestArray, RequestStore } from './request-store.js';

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

/** Events per chunk of the log's columns (2^16: 1.1 MB a chunk). */
const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/**
 * The run's event log, columnar (typed arrays) so a million-request replay stays small.
 * Requests are stored once, indexed by arrival order, in a columnar `RequestStore`; events refer
 * to them by index. About 20 bytes a request for an Azure LLM trace, plus 17 bytes an event.
 */
export class EventLog {
  /** The requests by index, field by field (what metrics read in their loops). */
  readonly store = new RequestStore();
  /** The same requests as a read-only array; each element is made afresh from `store` when read. */
  readonly requests: readonly Request[] = requestArray(this.store);
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
  // Events in chunks of CHUNK (the first one grows to that size by doubling): a long run adds
  // chunks instead of copying everything into an array twice the size, so no more than one chunk
  // is ever unused, and no transient copy doubles the memory.
  private kinds: Uint8Array[] = [new Uint8Array(4096)];
  private times: Float64Array[] = [new Float64Array(4096)];
  private refs: Int32Array[] = [new Int32Array(4096)];
  private nodes: Int32Array[] = [new Int32Array(4096)];
  private n = 0;

  constructor(pools: readonly PoolSpec[]) {
    this.pools = pools;
  }

  get length(): number {
    return this.n;
  }

  kind(i: number): EventKind {
    return (this.kinds[i >>> SHIFT] as Uint8Array)[i & MASK] as EventKind;
  }
  time(i: number): number {
    return (this.times[i >>> SHIFT] as Float64Array)[i & MASK] as number;
  }
  /** Request index (request events) or aux value (node events: pool; reject: code index). */
  ref(i: number): number {
    return (this.refs[i >>> SHIFT] as Int32Array)[i & MASK] as number;
  }
  node(i: number): number {
    return (this.nodes[i >>> SHIFT] as Int32Array)[i & MASK] as number;
  }

  /** Bytes held by the event columns (their capacity). */
  get eventBytes(): number {
    return this.kinds.reduce((s, k) => s + k.length * 17, 0);
  }

  addRequest(r: Request): number {
    return this.store.add(r);
  }

  push(kind: EventKind, time: number, ref: number, node = -1): void {
    const c = this.n >>> SHIFT;
    const j = this.n & MASK;
    if (c === this.kinds.length || (c === 0 && j === (this.kinds[0] as Uint8Array).length)) this.grow(c);
    (this.kinds[c] as Uint8Array)[j] = kind;
    (this.times[c] as Float64Array)[j] = time;
    (this.refs[c] as Int32Array)[j] = ref;
    (this.nodes[c] as Int32Array)[j] = node;
    this.n++;
  }

  reject(time: number, requestIndex: number, code: RejectionCode): void {
    this.push(EV.reject, time, requestIndex, REJECTION_CODES.indexOf(code));
  }

  /** Room for event `n`: double the first chunk up to CHUNK entries, then add a chunk. */
  private grow(c: number): void {
    if (c === 0) {
      const cap = (this.kinds[0] as Uint8Array).length * 2;
      const k = new Uint8Array(cap);
      k.set(this.kinds[0] as Uint8Array);
      const t = new Float64Array(cap);
      t.set(this.times[0] as Float64Array);
      const r = new Int32Array(cap);
      r.set(this.refs[0] as Int32Array);
      const nd = new Int32Array(cap);
      nd.set(this.nodes[0] as Int32Array);
      this.kinds[0] = k;
      this.times[0] = t;
      this.refs[0] = r;
      this.nodes[0] = nd;
      return;
    }
    this.kinds.push(new Uint8Array(CHUNK));
    this.times.push(new Float64Array(CHUNK));
    this.refs.push(new Int32Array(CHUNK));
    this.nodes.push(new Int32Array(CHUNK));
  }
}
