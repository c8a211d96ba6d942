import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { BatchJob, BatchWorkload } from './sim-adapter.js';

/**
 * A synthetic SWF-like log resampled from a log's training part (`synthetic:` in a CEM queue
 * config, sixth round of docs/learned.md): more training episodes from the same workload than
 * its few thousand training jobs hold, without touching a validation or evaluation window.
 *
 * Why: a log whose jobs are independent draws from one model (Lublin-1 comes from the
 * Lublin–Feitelson workload model) has only 1,981 jobs outside its evaluation windows, so every
 * training window of 1,024 jobs overlaps every other; the learner sees one queue history, in
 * slices. A resample keeps what the model draws per job and per hour of the day, and gives
 * arbitrarily many new queue histories.
 *
 * The generator (all of it calibrated on the jobs of `ranges` only):
 *
 * - Hour of day h(t) = ⌊(t mod 86400) / 3600⌋ on the log's own clock (submit seconds).
 * - Arrivals: the gaps between consecutive jobs of a range, bucketed by the hour of the earlier
 *   job. From time t the next arrival is t + a gap drawn from bucket h(t) (the daily cycle of
 *   arrival rates).
 * - Jobs: drawn from the jobs submitted in hour h of the new arrival (the day/night job mix):
 *   its processors as they are; its run time × exp(jitter · N(0, 1)), rounded, at least 1 s
 *   (a smoothed bootstrap: new values near the observed ones rather than copies); its requested
 *   time scaled by the same factor (equal to the run time when the log's was), never below it.
 * - An empty hour bucket borrows from the nearest non-empty hour (earlier first).
 * - Last, the arrival times are stretched by one factor so that the resample's mean arrival rate
 *   is the training part's (jobs ÷ the sum of its ranges' spans): drawing gaps by hour alone runs
 *   a few per cent slow (on Lublin-1: 90.8 instead of 96.5 jobs a day), and the load is what
 *   makes a queue hard. After the stretch the "day" is that factor longer; the policy never sees
 *   the clock.
 *
 * The first arrival is at the first source job's submit time; ids are 1..jobs, indices 0..jobs−1.
 * Deterministic for the seed string. What it does not keep: any dependence between consecutive
 * jobs (users submitting series of similar jobs, which real logs have and Lublin-1 does not),
 * weekly cycles, and drift over months.
 */
export interface ResampleOptions {
  /** Jobs of the resampled log. */
  readonly jobs: number;
  /** Log-normal smoothing of run times (0: exact bootstrap). */
  readonly jitter: number;
  readonly seed: string;
}

/** Log-normal smoothing of resampled run times when the config gives none. */
export const DEFAULT_JITTER = 0.1;

/** Fewer source jobs than this cannot fill the 24 hour buckets usefully. */
export const MIN_SOURCE_JOBS = 100;

const hourOf = (t: number): number => Math.floor((((t % 86400) + 86400) % 86400) / 3600);

export function resampleLog(source: BatchWorkload, ranges: readonly (readonly [number, number])[], opts: ResampleOptions): BatchWorkload {
  if (!Number.isInteger(opts.jobs) || opts.jobs <= 0) throw new ConfigError(`a resampled log needs a positive whole number of jobs, got ${opts.jobs}`, { field: 'synthetic.jobs' });
  if (!(opts.jitter >= 0)) throw new ConfigError(`synthetic.jitter must be ≥ 0, got ${opts.jitter}`, { field: 'synthetic.jitter' });
  const jobsByHour: BatchJob[][] = Array.from({ length: 24 }, () => []);
  const gapsByHour: number[][] = Array.from({ length: 24 }, () => []);
  let count = 0;
  let span = 0;
  for (const [a, b] of ranges) {
    const slice = source.jobs.slice(a, b);
    slice.forEach((j, k) => {
      jobsByHour[hourOf(j.submit)]?.push(j);
      const next = slice[k + 1];
      // Jobs are in job-number order; a later number submitted earlier gives a gap of 0.
      if (next !== undefined) gapsByHour[hourOf(j.submit)]?.push(Math.max(0, next.submit - j.submit));
    });
    count += slice.length;
    span += Math.max(0, (slice[slice.length - 1]?.submit ?? 0) - (slice[0]?.submit ?? 0));
  }
  if (count < MIN_SOURCE_JOBS) {
    throw new ConfigError(`the training ranges hold ${count} jobs of ${source.file}; a resampled log needs at least ${MIN_SOURCE_JOBS} to calibrate on`, { field: 'train.ranges' });
  }
  const jobBuckets = fillEmpty(jobsByHour);
  const gapBuckets = fillEmpty(gapsByHour);
  const rng = new Rng(`${opts.seed}:resample`);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
  const first = source.jobs[ranges[0]?.[0] ?? 0];
  let t = first?.submit ?? 0;
  const t0 = t;
  const drawn: BatchJob[] = [];
  for (let i = 0; i < opts.jobs; i++) {
    const h = hourOf(t);
    const j = pick(jobBuckets[h] as BatchJob[]);
    const factor = opts.jitter === 0 ? 1 : Math.exp(opts.jitter * rng.normal());
    const run = Math.max(1, Math.round(j.run * factor));
    const requested = j.requested === j.run ? run : Math.max(run, Math.round(j.requested * factor));
    drawn.push({ index: i, id: i + 1, submit: t, run, requested, procs: j.procs, clamped: j.clamped });
    t += pick(gapBuckets[h] as number[]);
  }
  // Mean gap of the source (span over its gaps) against the resample's; integer seconds, as in SWF.
  const sourceGap = span / Math.max(1, count - ranges.length);
  const drawnGap = ((drawn[drawn.length - 1]?.submit ?? t0) - t0) / Math.max(1, drawn.length - 1);
  const stretch = drawnGap > 0 && sourceGap > 0 ? sourceGap / drawnGap : 1;
  const out = drawn.map((j) => ({ ...j, submit: t0 + Math.round((j.submit - t0) * stretch) }));
  return {
    file: `${source.file} (resampled: ${opts.jobs} jobs from ${count} jobs of ranges ${JSON.stringify(ranges)}, jitter ${opts.jitter}, seed ${opts.seed})`,
    header: source.header,
    machine: source.machine,
    machineSource: source.machineSource,
    jobs: out,
    dropped: 0,
    clamped: out.filter((j) => j.clamped).length,
    unknownWidth: 0,
  };
}

/** Each empty bucket takes the nearest non-empty hour's contents (looking earlier first, wrapping around the day). */
function fillEmpty<T>(buckets: T[][]): T[][] {
  return buckets.map((b, h) => {
    if (b.length > 0) return b;
    for (let d = 1; d < 24; d++) {
      const earlier = buckets[(h - d + 24) % 24] as T[];
      if (earlier.length > 0) return earlier;
      const later = buckets[(h + d) % 24] as T[];
      if (later.length > 0) return later;
    }
    return b;
  });
}
