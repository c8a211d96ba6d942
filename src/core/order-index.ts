import { EPSILON } from './resources.js';

/** Positions per block. */
const B = 32;
/** Recompute a block's maxima after this many decreases (until then they are only an upper bound). */
const STALE_LIMIT = 4;

/**
 * First-fit in node-id order over one pool's up nodes (`ids`, ascending, kept by up-nodes.ts),
 * with the ids cut into blocks of 32 positions, each with an upper bound of its nodes' free amount
 * per dimension: a block whose bound is short in some dimension is skipped whole, so a search on a
 * busy pool of thousands of nodes does not test them one by one. The answer is the linear scan's.
 *
 * Invariant: while the index is built, `max[b·D + d]` ≥ free_d of every node in block b. Every
 * change raises the bound where the free amount now exceeds it; a shrinking one leaves it (still
 * an upper bound) and the block is recomputed after a few. A node coming up or going down marks the index for
 * a rebuild on the next search.
 */
export class OrderIndex {
  private built = false;
  private max = new Float64Array(0);
  private stale = new Int32Array(0);
  /** Block of each node id (by id), valid while built. */
  private blockOf: number[] = [];

  constructor(
    private readonly dims: number,
    private readonly ids: readonly number[],
    private readonly freeOf: (id: number) => ArrayLike<number>,
  ) {}

  /** The up set changed (a node came up, failed or was removed). */
  invalidate(): void {
    this.built = false;
  }

  /** Node `id`'s free vector changed (already written); `shrank`: by taking work on (else by giving back). */
  changed(id: number, shrank: boolean): void {
    if (!this.built) return;
    const b = this.blockOf[id];
    if (b === undefined) return;
    const D = this.dims;
    const f = this.freeOf(id);
    for (let d = 0; d < D; d++) if ((f[d] as number) > (this.max[b * D + d] as number)) this.max[b * D + d] = f[d] as number;
    if (shrank && ++(this.stale[b] as number) >= STALE_LIMIT) this.refresh(b);
  }

  private refresh(b: number): void {
    const D = this.dims;
    const ids = this.ids;
    const m = this.max;
    m.fill(0, b * D, b * D + D);
    this.stale[b] = 0;
    const end = Math.min(ids.length, (b + 1) * B);
    for (let i = b * B; i < end; i++) {
      const f = this.freeOf(ids[i] as number);
      for (let d = 0; d < D; d++) if ((f[d] as number) > (m[b * D + d] as number)) m[b * D + d] = f[d] as number;
    }
  }

  private build(): void {
    const nb = Math.ceil(this.ids.length / B);
    this.max = new Float64Array(nb * this.dims);
    this.stale = new Int32Array(nb);
    this.blockOf = [];
    this.ids.forEach((id, i) => (this.blockOf[id] = Math.floor(i / B)));
    for (let b = 0; b < nb; b++) this.refresh(b);
    this.built = true;
  }

  /** The first position ≥ `from` whose node fits `demand` (and passes `extra`), as the node id, or -1. */
  firstFit(demand: readonly number[], from: number, extra?: (id: number, demand: readonly number[]) => boolean): number {
    const ids = this.ids;
    if (!this.built) this.build();
    const D = this.dims;
    const m = this.max;
    for (let i = from; i < ids.length; ) {
      const b = Math.floor(i / B);
      let room = true;
      for (let d = 0; d < demand.length && room; d++) if ((demand[d] as number) > (m[b * D + d] as number) + EPSILON) room = false;
      const end = Math.min(ids.length, (b + 1) * B);
      if (room) {
        for (; i < end; i++) {
          const id = ids[i] as number;
          if (fits(demand, this.freeOf(id)) && (extra === undefined || extra(id, demand))) return id;
        }
      }
      i = end;
    }
    return -1;
  }
}

function fits(demand: readonly number[], f: ArrayLike<number>): boolean {
  for (let d = 0; d < demand.length; d++) if ((demand[d] as number) > (f[d] as number) + EPSILON) return false;
  return true;
}
