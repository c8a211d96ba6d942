/*
 * How often the predictive policy decided with a forecast (and how often without a season), and
 * why it ran the reactive rule otherwise: a forecaster that keeps failing would otherwise leave
 * "predictive" in a report while the reactive rule made every decision.
 */

/** Where a policy's options were written: a scenario file and the options' field path (`strategies[3].scaling.options`). */
export interface OptionsWhere {
  readonly file?: string;
  readonly field: string;
}

/**
 * A forecaster's user error as the policy's status. A season error is worded for `drs forecast`
 * (its flag `--season S`, its field 'season'); here the season is the policy's option, so the flag
 * becomes the options' fields, named where they were written (`where`: file and field path) when
 * the caller said, else as "the policy's options".
 */
export function fitFailure(e: { message: string; detail?: string; location?: { field?: string } }, where?: OptionsWhere): string {
  if (e.location?.field !== 'season') return e.message;
  const at = where === undefined ? "the policy's options" : `${where.file === undefined ? '' : `${where.file}, `}field '${where.field}'`;
  return (e.detail ?? e.message)
    .replace(/--season S( \(steps per season\))?/g, `'season' (steps) or 'seasonSeconds' in ${at}`)
    .replace(/--season 1\b/g, "'season: 1'");
}

/** Per pool: decisions with a forecast, and the others by kind of fallback (for the run's notes). */
export class ForecastUse {
  private forecast = 0;
  /** Of `forecast`: by the non-seasonal model (no season found), and what it chose last. */
  private withoutSeason = 0;
  private lastWithoutSeason = '';
  /** Kind ('history', 'fit failed', …) → how many decisions, and the latest status of that kind (what the note quotes). */
  private readonly fallbacks = new Map<string, { n: number; last: string }>();
  private pool: string | undefined;

  /**
   * One decision of pool `pool`: with a forecast (by the non-seasonal model when `withoutSeason`
   * says what it chose), or on the reactive rule while the policy's status was `status`.
   */
  count(pool: string, forecast: boolean, status: string, minHistory: number, withoutSeason?: string): void {
    this.pool = pool;
    if (forecast) {
      this.forecast++;
      if (withoutSeason !== undefined) {
        this.withoutSeason++;
        this.lastWithoutSeason = withoutSeason;
      }
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
   * warm-up (an asynchronous model's first fit in flight included) followed by forecasts with the
   * season, the documented rule. Forecasts without a season are always said, with what was chosen.
   */
  note(): string | undefined {
    const total = this.forecast + [...this.fallbacks.values()].reduce((a, f) => a + f.n, 0);
    const onlyWarmUp = [...this.fallbacks.keys()].every((k) => k === 'history' || k === 'first fit in progress');
    if (total === 0 || (onlyWarmUp && this.forecast > 0 && this.withoutSeason === 0) || this.pool === undefined) return undefined;
    const why = [...this.fallbacks.values()].sort((a, b) => b.n - a.n).map((f) => `${f.n} ${f.last}`);
    const ns =
      this.withoutSeason === 0
        ? ''
        : ` (${this.withoutSeason === this.forecast ? 'all' : `${this.withoutSeason} of them`} without a season: none was found, so a non-seasonal model chosen on the bins so far, last '${this.lastWithoutSeason}')`;
    const head = this.forecast === 0 ? `never forecast: all ${total} decisions were the reactive rule` : `forecast in ${this.forecast} of ${total} decisions${ns}${why.length > 0 ? '; the reactive rule in the others' : ''}`;
    return `pool '${this.pool}': ${head}${why.length > 0 ? ` (${why.join('; ')})` : ''}`;
  }
}
