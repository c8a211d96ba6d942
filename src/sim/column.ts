/**
 * A growable column of numbers that stores each value in the narrowest typed array holding every
 * value pushed so far, exactly (`Object.is` on read-back, so -0 and NaN survive): no array at all
 * while every value is the same (a constant), then 1, 2 or 4 bytes for small non-negative
 * integers, 4 for values a float32 holds exactly, else 8 (the constant is the first value pushed). A trace's demand vector, priority, SLO
 * or tenant number is usually one of a few small values; arrivals and durations take 8 bytes.
 * Widening converts the column once into the wider type; values never narrow again. Rows live in
 * chunks of CHUNK (the first chunk grows to that size by doubling), so growing never copies a
 * long column and at most one chunk is unused.
 */
type Store = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

const CONST = 0;
const U8 = 1;
const U16 = 2;
const U32 = 3;
const F32 = 4;
const F64 = 5;
type Width = typeof CONST | typeof U8 | typeof U16 | typeof U32 | typeof F32 | typeof F64;

const BYTES: readonly number[] = [0, 1, 2, 4, 4, 8];
const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
const FIRST = 1024;

function holds(w: Width, v: number): boolean {
  switch (w) {
    case U8:
      return Number.isInteger(v) && v >= 0 && v < 0x100 && !Object.is(v, -0);
    case U16:
      return Number.isInteger(v) && v >= 0 && v < 0x10000 && !Object.is(v, -0);
    case U32:
      return Number.isInteger(v) && v >= 0 && v < 0x100000000 && !Object.is(v, -0);
    case F32:
      return Object.is(Math.fround(v), v);
    case F64:
      return true;
    default:
      return false;
  }
}

function allocate(w: Width, cap: number): Store {
  switch (w) {
    case U8:
      return new Uint8Array(cap);
    case U16:
      return new Uint16Array(cap);
    case U32:
      return new Uint32Array(cap);
    case F32:
      return new Float32Array(cap);
    default:
      return new Float64Array(cap);
  }
}

export class NumColumn {
  private width: Width = CONST;
  /** Empty while the column is constant. */
  private chunks: Store[] = [];
  private n = 0;

  /** `constant`: what `pushSame` pushes into an empty column; the first value pushed replaces it. */
  constructor(private constant: number) {}

  get length(): number {
    return this.n;
  }

  /** Bytes held by the column's arrays (their capacity, not only the rows used). */
  get bytes(): number {
    return this.chunks.reduce((s, c) => s + c.length, 0) * (BYTES[this.width] as number);
  }

  push(v: number): void {
    if (this.n === 0 && this.width === CONST) this.constant = v;
    if (this.width === CONST ? !Object.is(v, this.constant) : !holds(this.width, v)) this.widen(v);
    if (this.width !== CONST) {
      const c = this.n >>> SHIFT;
      const j = this.n & MASK;
      if (c === this.chunks.length) this.chunks.push(allocate(this.width, CHUNK));
      else if (c === 0 && j === (this.chunks[0] as Store).length) this.chunks[0] = this.resized(this.chunks[0] as Store, this.width, j * 2);
      (this.chunks[c] as Store)[j] = v;
    }
    this.n++;
  }

  /** Push a value the column already holds (the last one, or the constant): never widens. */
  pushSame(): void {
    this.push(this.n === 0 ? this.constant : this.get(this.n - 1));
  }

  get(i: number): number {
    return this.width === CONST ? this.constant : ((this.chunks[i >>> SHIFT] as Store)[i & MASK] as number);
  }

  /** `from`'s values in a new array of width `w` and length `cap`. */
  private resized(from: Store, w: Width, cap: number): Store {
    const next = allocate(w, cap);
    next.set(from.subarray(0, Math.min(from.length, cap)));
    return next;
  }

  /** The narrowest width that holds every value so far and `v` (u32 values do not all fit a float32). */
  private widen(v: number): void {
    let w: Width = F64;
    for (let c = this.width + 1; c < F64; c++) {
      const cand = c as Width;
      if (this.width === U32 && cand === F32) continue;
      if (holds(cand, v) && (this.width !== CONST || holds(cand, this.constant))) {
        w = cand;
        break;
      }
    }
    if (this.width === CONST) {
      // The constant rows so far: full chunks, then the rest (alone: a first chunk of ≥ FIRST rows).
      const full = Math.floor(this.n / CHUNK);
      for (let k = 0; k < full; k++) this.chunks.push(allocate(w, CHUNK).fill(this.constant));
      const rest = this.n - full * CHUNK;
      if (full === 0) this.chunks.push(allocate(w, Math.min(CHUNK, Math.max(FIRST, 2 ** Math.ceil(Math.log2(rest + 1))))).fill(this.constant, 0, rest));
      else if (rest > 0) this.chunks.push(allocate(w, CHUNK).fill(this.constant, 0, rest));
    } else this.chunks = this.chunks.map((c) => this.resized(c, w, c.length));
    this.width = w;
  }
}
