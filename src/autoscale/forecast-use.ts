/*
 * How often the predictive policy decided with a forecast, and why it ran the reactive rule
 * otherwise: a forecaster that keeps failing (no season found) would otherwise leave
 * "predictive" in a report while the reactive rule made every decision.
 */

/**
 * A forecaster's user error as the policy's status: its words name the `drs forecast` flags
 * (`--season S`), so a season error also says which scaling option to set.
 */
export function fitFailure(e: { message: string; location?: { field?: string } }): string {
  const season = e.location?.field === 'season' ? ` (in the policy: set 'seasonSeconds' or 'season', or 'season: 1' for none)` : '';
  return `${e.message}${season}`;
}

/** Per pool: decisions with a forecast, and the others by kind of fallback (for the run's notes). */
export class ForecastUse {
  private forecast = 0;
  /** Kind ('history', 'fit failed', …) → how many decisions, and the latest status of that kind (what the note quotes). */
  private readonly fallbacks = new Map<string, { n: number; last: string }>();
  private pool: string | undefined;

  /** One decision of pool `pool`: with a forecast, or on the reactive rule while the policy's status was `status`. */
  count(pool: string, forecast: boolean, status: string, minHistory: number): void {
    this.pool = pool;
    if (forecast) {
      this.forecast++;
      return;
    }
    const kind = status.startsWith('history ') || status === 'warming up' ? 'history' : status.startsWith('fit failed') ? 'fit failed' : status;
    const f = this.fallbacks.get(kind) ?? { n: 0, last: '' };
    f.n++;
    f.last = kind === 'history' ? `warm-up (under ${minHistory} bins of history)` : status;
    this.fallbacks.set(kind, f);
  }

  /**
   * The note for this pool, or undefined when there is nothing to say: no decision yet, or a
   * warm-up (an asynchronous model's first fit in flight included) followed by forecasts, the
   * documented rule.
   */
  note(): string | undefined {
    const total = this.forecast + [...this.fallbacks.values()].reduce((a, f) => a + f.n, 0);
    const onlyWarmUp = [...this.fallbacks.keys()].every((k) => k === 'history' || k === 'first fit in progress');
    if (total === 0 || (onlyWarmUp && this.forecast > 0) || this.pool === undefined) return undefined;
    const why = [...this.fallbacks.values()].sort((a, b) => b.n - a.n).map((f) => `${f.n} ${f.last}`);
    const head = this.forecast === 0 ? `never forecast: all ${total} decisions were the reactive rule` : `forecast in ${this.forecast} of ${total} decisions; the reactive rule in the others`;
    return `pool '${this.pool}': ${head} (${why.join('; ')})`;
  }
}
