import { ConfigError } from '../core/errors.js';
import type { PolicyNet } from '../core/policy-net.js';
import type { Rng } from '../core/rng.js';
import type { QueueTrainConfig } from './config.js';
import { QueueEnv } from './env.js';
import { lublinLog } from './lublin-log.js';
import { DEFAULT_JITTER, resampleLog } from './resampled-log.js';
import { classicPolicy, replaySwfWindow, type BatchWorkload } from './sim-adapter.js';

/**
 * Cross-log training of a queue model (`also:` in a CEM config): besides its own SWF log, the
 * model plays training windows of other logs in every generation and is validated on their
 * validation windows too.
 *
 * Why: a log's own validation windows, cut from its training part, rank models poorly for an
 * unseen period of the same log (docs/learned-rounds.md, third round): workloads drift over a log's
 * months. The other logs are workloads the model did not see that are not evaluation windows;
 * a policy that holds on them is more likely to hold on an unseen period.
 *
 * Scores are relative to F1 on the same window and backfilling mode (logs' bounded slowdowns
 * differ by orders of magnitude). The validation score is
 *
 *   S = ½ r(own) + ½ · mean over the other logs of r(other),
 *   r(X) = mean over no backfilling and EASY of  mean bsld(model, V_X) ÷ mean bsld(F1, V_X),
 *
 * V_X being log X's validation windows; both modes count, whatever the training backfilling,
 * since a shipped model runs under both (`validationModes` narrows it to one, for a model meant
 * for one mode).
 */
export interface TrainLog {
  readonly workload: BatchWorkload;
  readonly ranges: readonly (readonly [number, number])[];
  readonly validation: { readonly windows: readonly number[]; readonly length: number };
  /** Training windows of this log per generation (the own log: `cem.windowsPerGeneration`). */
  readonly windows: number;
}

/**
 * The own log (index 0), the `also` logs in config order, with their data checked, and last, with
 * `synthetic:`, the log resampled from the own log's training ranges (no validation windows) and,
 * with `synthetic.validation`, a second resample holding only validation windows.
 */
export function trainLogs(cfg: QueueTrainConfig, own: BatchWorkload, also: readonly BatchWorkload[]): TrainLog[] {
  const extra = cfg.also ?? [];
  if (also.length !== extra.length) throw new ConfigError(`the config names ${extra.length} other logs, ${also.length} were loaded`, { field: 'also' });
  const logs: TrainLog[] = [
    { workload: own, ranges: cfg.train.ranges, validation: cfg.validation, windows: cfg.cem?.windowsPerGeneration ?? 1 },
    ...extra.map((a, i) => ({ workload: also[i] as BatchWorkload, ranges: a.train.ranges, validation: a.validation, windows: a.windows })),
  ];
  // The own log is checked by queueSetup.
  logs.forEach((l, k) => k > 0 && checkLogCovers(l.workload, l.ranges, l.validation, `also[${k - 1}].`));
  const syn = cfg.synthetic;
  if (syn !== undefined) {
    const resample = (jobs: number, seed: string): BatchWorkload =>
      syn.model === 'lublin99' ? lublinLog(own, jobs, seed) : resampleLog(own, cfg.train.ranges, { jobs, jitter: syn.jitter ?? DEFAULT_JITTER, seed });
    const L = cfg.episodeLength;
    logs.push({ workload: resample(syn.jobs, `${cfg.seed}:synthetic`), ranges: [[0, syn.jobs]], validation: { windows: [], length: L }, windows: syn.windows });
    // The validation resample (windows of one episode's length): one seed for every config seed, so candidates are scored on the same windows.
    if (syn.validation > 0) {
      const windows = Array.from({ length: syn.validation }, (_, k) => k * L);
      logs.push({ workload: resample(syn.validation * L, 'synthetic-validation'), ranges: [], validation: { windows, length: L }, windows: 0 });
    }
  }
  return logs;
}

/**
 * A log must hold every job its training ranges and validation windows name, and, given
 * `evaluation` (the log a model is evaluated on after training), its evaluation windows
 * (`prefix`: where they sit in the config). Checked before training, so that no run ends in a
 * window past the log's end.
 */
export function checkLogCovers(workload: BatchWorkload, ranges: TrainLog['ranges'], validation: TrainLog['validation'], prefix: string, evaluation?: TrainLog['validation']): void {
  const J = workload.jobs.length;
  ranges.forEach(([, b], i) => {
    if (b > J) throw new ConfigError(`training range ends at job ${b}, but ${workload.file} has ${J} usable jobs`, { field: `${prefix}train.ranges[${i}]` });
  });
  const windows = (what: 'validation' | 'evaluation', w: TrainLog['validation']): void =>
    w.windows.forEach((s, i) => {
      if (s + w.length > J) throw new ConfigError(`${what} window ${s} needs jobs up to ${s + w.length - 1}, but ${workload.file} has ${J} usable jobs`, { field: `${prefix}${what}.windows[${i}]` });
    });
  windows('validation', validation);
  if (evaluation !== undefined) windows('evaluation', evaluation);
}

/** A uniformly drawn window start of `length` jobs inside `ranges` (ranges weighted by how many starts they hold). */
export function drawInRanges(ranges: readonly (readonly [number, number])[], length: number, rng: Rng): number {
  const sizes = ranges.map(([a, b]) => b - a - length + 1);
  const r = ranges[rng.weighted(sizes)] as readonly [number, number];
  return r[0] + rng.int(r[1] - r[0] - length + 1);
}

/** The cross-log validation score S of a network, with F1's figures computed once per validator. */
export class CrossLogValidator {
  private readonly f1 = new Map<string, number>();
  private readonly logs: readonly TrainLog[];

  /**
   * Logs without validation windows (a resampled log) take no part in the score. `modes`: the
   * backfilling modes r averages over (both by default; `validationModes` in the config).
   */
  constructor(
    logs: readonly TrainLog[],
    private readonly modes: readonly ('none' | 'easy')[] = ['none', 'easy'],
    private readonly weighting: ValidationWeighting = 'logs',
  ) {
    this.logs = logs.filter((l) => l.validation.windows.length > 0);
  }

  /** S from the ratios of `ratios()`: ½ own + ½ others (`logs`), or each log by its validation jobs (`jobs`). */
  combine(ratios: readonly number[]): number {
    return this.weighting === 'logs' ? combine(ratios) : combine(ratios, this.logs.map((l) => l.validation.windows.length * l.validation.length));
  }

  /** r(X) for every log, in order (own first). */
  async ratios(net: PolicyNet): Promise<number[]> {
    const out: number[] = [];
    for (let k = 0; k < this.logs.length; k++) {
      const l = this.logs[k] as TrainLog;
      let r = 0;
      for (const mode of this.modes) {
        const env = new QueueEnv({ jobs: l.workload.jobs, machine: l.workload.machine, length: l.validation.length, backfill: mode });
        let model = 0;
        for (const w of l.validation.windows) {
          env.reset(1, w);
          model += (await env.run(net)).boundedSlowdown;
        }
        r += model / l.validation.windows.length / (await this.reference(k, mode));
      }
      out.push(r / this.modes.length);
    }
    return out;
  }

  /** S = ½ r(own) + ½ mean r(others) (with one log, r(own)); with `jobs` weighting, the job-weighted mean of the r. */
  async score(net: PolicyNet): Promise<number> {
    return this.combine(await this.ratios(net));
  }

  private async reference(k: number, mode: 'none' | 'easy'): Promise<number> {
    const key = `${k}:${mode}`;
    let v = this.f1.get(key);
    if (v === undefined) {
      const l = this.logs[k] as TrainLog;
      v = 0;
      for (const w of l.validation.windows) v += (await replaySwfWindow(l.workload.jobs, w, l.validation.length, l.workload.machine, classicPolicy('f1', mode))).boundedSlowdown;
      v /= l.validation.windows.length;
      this.f1.set(key, v);
    }
    return v;
  }
}

/** Whether a config's validation is the cross-log score S (other logs, or a validation resample) rather than its own log's bsld. */
export function crossLogValidation(cfg: QueueTrainConfig): boolean {
  return cfg.also !== undefined || (cfg.synthetic?.validation ?? 0) > 0;
}

/**
 * ½ the own log's ratio + ½ the mean of the others' (the own ratio alone when there are none);
 * with `weights` (one per ratio), the weighted mean instead.
 */
export function combine(ratios: readonly number[], weights?: readonly number[]): number {
  const [own, ...others] = ratios;
  if (own === undefined) throw new Error('cross-log score of no log');
  if (weights !== undefined) {
    if (weights.length !== ratios.length) throw new Error(`cross-log score: ${ratios.length} ratios, ${weights.length} weights`);
    const total = weights.reduce((a, b) => a + b, 0);
    return ratios.reduce((a, r, k) => a + r * (weights[k] as number), 0) / total;
  }
  return others.length === 0 ? own : own / 2 + others.reduce((a, b) => a + b, 0) / others.length / 2;
}

/** How S weighs the logs: ½ own log + ½ the others (`logs`, the fourth round's rule), or each log by its validation jobs (`jobs`). */
export type ValidationWeighting = 'logs' | 'jobs';
