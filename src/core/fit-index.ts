import { EPSILON } from './resources.js';

/** Entries per block at most; a full block splits in two. */
const CAP = 64;

interface Block {
  keys: Float64Array;
  ids: Int32Array;
  n: number;
  /** Maximum free amount per dimension over the block's nodes (an upper bound while `stale` > 0). */
  max: Float64Array;
  /** Removals since `max` was last recomputed. */
  stale: number;
}

/** Recompute a block's maxima after this many removals (a stale maximum is only an upper bound). */
const STALE_LIMIT = 8;

/**
 * The up nodes of one pool in ascending order of a scalar "free size" key (ties by node id),
 * kept as a list of small sorted blocks, each with the maximum free amount per dimension of its
 * nodes.
 *
 *   key(node) = Σ_d free_d / ref_d        (ref_d = largest node capacity of dimension d in the cluster)
 *
 * Fitting needs free_d ≥ demand_d in every d, which implies key(node) ≥ Σ_d demand_d / ref_d, so a
 * search starts at that lower bound and walks up: the first node that fits is the *best fit*
 * (least free size left); walking down from the top gives the *worst fit*. A block whose maximum
 * is short in any dimension is skipped whole, so nodes rich in one resource but out of another
 * (GPU nodes with every CPU taken) do not have to be visited one by one.
 *
 * A removal leaves the block's maxima as they were (still an upper bound, so nothing that fits
 * is ever skipped) and recomputes them only every few removals.
 *
 * Cost: an update (a placement or release moves one node's key) is a binary search over blocks
 * plus O(block size) work in one or two blocks; a search is O(blocks + block size) at worst.
 */
export class FitIndex {
  private blocks: Block[] = [];
  private count = 0;

  /**
   * @param dims number of resource dimensions
   * @param freeOf the node's live free vector (read when a block's summary is refreshed)
   * @param extraFit optional second test a node must pass after the scalar one (GPU devices:
   *   the scalar free GPU is only a necessary condition); absent for scalar clusters
   */
  constructor(
    private readonly dims: number,
    private readonly freeOf: (id: number) => ArrayLike<number>,
    private readonly extraFit?: (id: number, demand: readonly number[]) => boolean,
  ) {}

  get size(): number {
    return this.count;
  }

  private newBlock(): Block {
    return { keys: new Float64Array(CAP), ids: new Int32Array(CAP), n: 0, max: new Float64Array(this.dims), stale: 0 };
  }

  /** Index of the block where (key, id) belongs: the last whose first entry is ≤ it (or 0). */
  private locate(key: number, id: number): number {
    const bl = this.blocks;
    let lo = 0;
    let hi = bl.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = bl[mid] as Block;
      const k0 = b.keys[0] as number;
      if (k0 < key || (k0 === key && (b.ids[0] as number) <= id)) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Position in block `b` of the first entry ≥ (key, id). */
  private static pos(b: Block, key: number, id: number): number {
    let lo = 0;
    let hi = b.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mk = b.keys[mid] as number;
      if (mk < key || (mk === key && (b.ids[mid] as number) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private refresh(b: Block): void {
    const D = this.dims;
    const m = b.max;
    m.fill(0);
    b.stale = 0;
    for (let i = 0; i < b.n; i++) {
      const f = this.freeOf(b.ids[i] as number);
      for (let d = 0; d < D; d++) if ((f[d] as number) > (m[d] as number)) m[d] = f[d] as number;
    }
  }

  insert(id: number, key: number): void {
    if (this.blocks.length === 0) this.blocks.push(this.newBlock());
    const bi = this.locate(key, id);
    const b = this.blocks[bi] as Block;
    const p = FitIndex.pos(b, key, id);
    b.keys.copyWithin(p + 1, p, b.n);
    b.ids.copyWithin(p + 1, p, b.n);
    b.keys[p] = key;
    b.ids[p] = id;
    b.n++;
    this.count++;
    const f = this.freeOf(id);
    for (let d = 0; d < this.dims; d++) if ((f[d] as number) > (b.max[d] as number)) b.max[d] = f[d] as number;
    if (b.n === CAP) {
      const half = CAP >> 1;
      const c = this.newBlock();
      c.keys.set(b.keys.subarray(half, CAP));
      c.ids.set(b.ids.subarray(half, CAP));
      c.n = CAP - half;
      b.n = half;
      this.refresh(b);
      this.refresh(c);
      this.blocks.splice(bi + 1, 0, c);
    }
  }

  remove(id: number, key: number): void {
    const bi = this.locate(key, id);
    const b = this.blocks[bi];
    const p = b === undefined ? -1 : FitIndex.pos(b, key, id);
    if (b === undefined || p >= b.n || b.ids[p] !== id || b.keys[p] !== key) {
      throw new Error(`FitIndex: node ${id} with key ${key} is not indexed`);
    }
    b.keys.copyWithin(p, p + 1, b.n);
    b.ids.copyWithin(p, p + 1, b.n);
    b.n--;
    this.count--;
    if (b.n === 0 && this.blocks.length > 1) this.blocks.splice(bi, 1);
    else if (++b.stale >= STALE_LIMIT || b.n === 0) this.refresh(b);
  }

  /** The node's free vector changed (already written); its key goes from oldKey to newKey. */
  update(id: number, oldKey: number, newKey: number): void {
    this.remove(id, oldKey);
    this.insert(id, newKey);
  }

  private static fits(f: ArrayLike<number>, demand: readonly number[]): boolean {
    for (let d = 0; d < demand.length; d++) if ((demand[d] as number) > (f[d] as number) + EPSILON) return false;
    return true;
  }

  /** Id of the first node in key order with key ≥ `floor` that fits `demand`, or -1. */
  firstFitFrom(floor: number, demand: readonly number[]): number {
    const bl = this.blocks;
    for (let bi = this.locate(floor, -1); bi < bl.length; bi++) {
      const b = bl[bi] as Block;
      if (b.n === 0 || !FitIndex.fits(b.max, demand)) continue;
      const extra = this.extraFit;
      for (let i = FitIndex.pos(b, floor, -1); i < b.n; i++) {
        const id = b.ids[i] as number;
        if (FitIndex.fits(this.freeOf(id), demand) && (extra === undefined || extra(id, demand))) return id;
      }
    }
    return -1;
  }

  /** Id of the last node in key order (largest key) with key ≥ `floor` that fits `demand`, or -1. */
  lastFitAbove(floor: number, demand: readonly number[]): number {
    const bl = this.blocks;
    for (let bi = bl.length - 1; bi >= 0; bi--) {
      const b = bl[bi] as Block;
      if (b.n === 0) continue;
      if ((b.keys[b.n - 1] as number) < floor) return -1;
      if (!FitIndex.fits(b.max, demand)) continue;
      const extra = this.extraFit;
      for (let i = b.n - 1; i >= 0 && (b.keys[i] as number) >= floor; i--) {
        const id = b.ids[i] as number;
        if (FitIndex.fits(this.freeOf(id), demand) && (extra === undefined || extra(id, demand))) return id;
      }
    }
    return -1;
  }
}
