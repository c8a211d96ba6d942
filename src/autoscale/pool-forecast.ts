import { ConformalWindow } from '../predict/conformal-window.js';
import type { Forecaster } from '../predict/types.js';
import { ForecastUse } from './forecast-use.js';

/** Per-pool state of the predictive policy (predictive.ts): the demand series in bins, its forecaster, its conformal errors. */
export class PoolForecast {
  /** Complete bins, oldest first. */
  values: number[] = [];
  /** Bin index of values[values.length − 1]. */
  lastBin = -1;
  /** The bin being filled (its samples' sum and count), closed by the first sample of a later bin. */
  private curBin: number | undefined;
  private curSum = 0;
  private curCount = 0;
  model: Forecaster | undefined;
  /** What the non-seasonal model chose when `model` is one (no season found), else undefined. */
  withoutSeason: string | undefined;
  /** Horizon (steps) the latest fit was for: a pool whose horizon changes is refitted. */
  fitHorizon = 0;
  /** Bins since the last fit (or failed fit). */
  sinceFit = Infinity;
  /** Forecast made after bin `lastBin` closed: point[i] is bin lastBin + 1 + i (the quantile path with `quantile`). */
  point: number[] | undefined;
  status = 'warming up';
  /** An asynchronous fit in flight. */
  pending: Promise<void> | undefined;
  /** Bins in the series when the fit in flight started (the model is conditioned on the rest when it lands). */
  pendingFrom = 0;
  /**
   * Conformal mode: per target bin, the point forecasts made for it (index h − 1: made h bins
   * before it); the last `window` signed errors per step h (index h − 1), kept sorted so a
   * quantile per step per bin is a lookup, not a sort (conformal-window.ts).
   */
  made = new Map<number, number[]>();
  errors: ConformalWindow[] = [];
  checkedBin = -1;
  /** Decisions so far: with a forecast, and on the reactive rule by why (for `notes()`). */
  readonly use = new ForecastUse();

  /**
   * Fold demand `d` (node-equivalents; not finite counts as 0), sampled in bin `bin`, into the
   * series: the first sample of a later bin closes the open bin at its samples' mean, and bins
   * without a sample repeat that value. Returns whether the series grew.
   */
  add(bin: number, d: number): boolean {
    if (this.curBin === undefined) this.curBin = bin;
    let grew = false;
    if (bin > this.curBin) {
      const mean = this.curCount > 0 ? this.curSum / this.curCount : (this.values[this.values.length - 1] ?? 0);
      this.values.push(mean);
      // Bins without a sample repeat the last value.
      for (let b = this.curBin + 1; b < bin; b++) this.values.push(mean);
      this.lastBin = bin - 1;
      this.curBin = bin;
      this.curSum = 0;
      this.curCount = 0;
      grew = true;
    }
    this.curSum += Number.isFinite(d) ? d : 0;
    this.curCount++;
    return grew;
  }

  /** Conformal mode: score the forecasts made for the bins that closed since the last call, per step. */
  scoreClosedBins(window: number): void {
    for (let b = this.checkedBin + 1; b <= this.lastBin; b++) {
      const made = this.made.get(b);
      if (made === undefined) continue;
      this.made.delete(b);
      const y = this.values[this.values.length - 1 - (this.lastBin - b)];
      if (y === undefined) continue;
      made.forEach((f, i) => {
        if (f === undefined) return;
        (this.errors[i] ??= new ConformalWindow(window)).push(y - f);
      });
    }
    this.checkedBin = this.lastBin;
  }
}
