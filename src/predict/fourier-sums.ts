/**
 * The normal equations XᵀX β = Xᵀy of the Fourier regression (regression.ts), built so that
 * refits on a growing history cost O(n·p) instead of O(n·p²), with the very same floating-point
 * sums, so every forecast is the same bits as a from-scratch build.
 *
 * Row of X for absolute time t (window t0 … t0+w−1, span = w):
 *   [1, (t − t0)/span (with the trend), sin(2π·1·t/S), cos(2π·1·t/S), …, sin(2πKt/S), cos(2πKt/S)]
 * Each entry of XᵀX and Xᵀy is a left-to-right sum over the rows in time order. Why this is exact:
 * - A sum over rows 0 … m−1 continued with rows m … n−1 is the sum over 0 … n−1 (the same
 *   additions in the same order), so the entries without the trend column are kept between fits
 *   while the window's start t0 stays put (a history shorter than the window: the long-season
 *   case, e.g. 8 seasons of 1,381 steps on 5,300 points) and only the new rows are added.
 * - The trend column depends on span, which grows with every fit: its p entries are summed anew.
 * - fl(a·b) = fl(b·a): the lower triangle is the upper one mirrored, not summed twice.
 * - sin and cos of one t are the same numbers at every fit: computed once per t and kept.
 * Without this, `auto`'s selection walk refitted the regression at every one of its ⌈V/H⌉ steps
 * (V = S: 116 refits of 5,300 rows × 22² for S = 1,381), most of a long-season `drs forecast`.
 */

/** sin/cos rows of one season and harmonic count, by absolute time index. */
class TrigTable {
  private readonly rows: Float64Array[] = [];

  constructor(
    readonly s: number,
    readonly k: number,
  ) {}

  /** [sin(2π·1·t/S), cos(2π·1·t/S), …] (kept for t ≥ 0; only the times asked for are computed). */
  row(t: number): Float64Array {
    if (t < 0) return this.compute(t);
    return (this.rows[t] ??= this.compute(t));
  }

  private compute(t: number): Float64Array {
    const out = new Float64Array(2 * this.k);
    for (let j = 1; j <= this.k; j++) {
      const a = (2 * Math.PI * j * t) / this.s;
      out[2 * j - 2] = Math.sin(a);
      out[2 * j - 1] = Math.cos(a);
    }
    return out;
  }
}

/** Running sums over the rows t0 … t0+count−1 of every entry that does not involve the trend. */
interface Running {
  t0: number;
  ys: number[];
  /** p×p, row-major; only the upper triangle (b ≥ a) off the trend column is kept. */
  xtx: Float64Array;
  xty: Float64Array;
}

export class FourierSums {
  private trig: TrigTable | undefined;
  private running: Running | undefined;
  private trendFlag = true;

  /** The predicted value at absolute t of the fit (t0, span, β). */
  predict(t: number, t0: number, span: number, beta: readonly number[]): number {
    const trend = this.trendFlag;
    const tr = (this.trig as TrigTable).row(t);
    // The sum in the order of the row: 1, trend, sin 1, cos 1, … (as Array.reduce from 0 did).
    let acc = 0;
    acc += 1 * (beta[0] as number);
    const off = trend ? 2 : 1;
    if (trend) acc += ((t - t0) / span) * (beta[1] as number);
    for (let j = 0; j < tr.length; j++) acc += (tr[j] as number) * (beta[off + j] as number);
    return acc;
  }

  /**
   * XᵀX (p×p) and Xᵀy of the rows of `ys` = history[t0 …], each entry summed over the rows in
   * time order (exactly as a single loop over the rows would).
   */
  normal(ys: readonly number[], t0: number, s: number, k: number, trend: boolean): { xtx: number[][]; xty: number[] } {
    if (this.trig === undefined || this.trig.s !== s || this.trig.k !== k) {
      this.trig = new TrigTable(s, k);
      this.running = undefined;
    }
    if (this.trendFlag !== trend) this.running = undefined;
    this.trendFlag = trend;
    const off = trend ? 2 : 1;
    const p = off + 2 * k;
    let run = this.running;
    if (run === undefined || run.t0 !== t0 || !extends_(ys, run.ys)) {
      run = { t0, ys: [], xtx: new Float64Array(p * p), xty: new Float64Array(p) };
      this.running = run;
    }
    const x = new Float64Array(p);
    const { xtx: sxx, xty: sxy } = run;
    // Rows not yet summed. The trend entries get 0·x terms here (x[1] = 0) and are replaced below by
    // the sums with this fit's span: the loop has no branch, and no other entry sees them.
    for (let i = run.ys.length; i < ys.length; i++) {
      const y = ys[i] as number;
      this.fill(x, t0 + i, off, 0);
      for (let a = 0; a < p; a++) {
        const xa = x[a] as number;
        sxy[a] = (sxy[a] as number) + xa * y;
        const base = a * p;
        for (let b = a; b < p; b++) sxx[base + b] = (sxx[base + b] as number) + xa * (x[b] as number);
      }
      run.ys.push(y);
    }
    const xtx = Array.from({ length: p }, (_, a) => {
      const row = new Array<number>(p);
      for (let b = 0; b < p; b++) row[b] = (run.xtx[a <= b ? a * p + b : b * p + a] as number);
      return row;
    });
    const xty = Array.from(run.xty);
    if (trend) {
      // The trend column, with this fit's span: summed anew over every row.
      const span = Math.max(1, ys.length);
      const col = new Float64Array(p);
      let ty = 0;
      for (let i = 0; i < ys.length; i++) {
        const t = t0 + i;
        this.fill(x, t, off, (t - t0) / span);
        const x1 = x[1] as number;
        ty += x1 * (ys[i] as number);
        for (let b = 0; b < p; b++) col[b] = (col[b] as number) + x1 * (x[b] as number);
      }
      for (let b = 0; b < p; b++) {
        (xtx[1] as number[])[b] = col[b] as number;
        (xtx[b] as number[])[1] = col[b] as number;
      }
      xty[1] = ty;
    }
    return { xtx, xty };
  }

  /** x = the row for t: 1, (trend), sin/cos pairs. */
  private fill(x: Float64Array, t: number, off: number, trendValue: number): void {
    x[0] = 1;
    if (off === 2) x[1] = trendValue;
    x.set((this.trig as TrigTable).row(t), off);
  }
}

/** `ys` starts with exactly the values of `prefix` (Object.is: the same bits, −0 included). */
function extends_(ys: readonly number[], prefix: readonly number[]): boolean {
  if (ys.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (!Object.is(ys[i], prefix[i])) return false;
  return true;
}
