import { ConfigError } from '../core/errors.js';
import { checkPlanner, ROLLOUT_DEFAULTS, type PlannerSpec } from '../core/planner-spec.js';
import path from 'node:path';
import type { PolicyNetFile } from '../core/policy-net.js';
import type { QueueTrainConfig } from './config.js';
import type { BatchJob, BatchWorkload } from './sim-adapter.js';


export interface PlannerBuild {
  readonly candidates?: number;
  readonly samples?: number;
  readonly future?: number;
  readonly seed: string;
}

/**
 * A queue model with a `planner` whose workload is read from the model's own training data: the
 * jobs of its training ranges (`training.trainingRanges`, 0-based job indices [from, to) of the
 * log `jobs` holds), their (width, requested time) pairs and the gaps between consecutive
 * submits inside each range. Refuses a model without training ranges, and ranges that overlap
 * its evaluation windows (the planner would then have seen evaluation jobs).
 */
export function withPlanner(model: PolicyNetFile, jobs: readonly BatchJob[], trace: string, opts: PlannerBuild): PolicyNetFile {
  if (model.kind !== 'queue') throw new ConfigError('only a queue model can carry a planner', { field: 'kind' });
  const t = (model.training ?? {}) as { trainingRanges?: unknown; evaluationWindows?: unknown; evaluationLength?: unknown };
  const ranges = t.trainingRanges;
  if (!Array.isArray(ranges) || ranges.length === 0 || !ranges.every((r) => Array.isArray(r) && r.length === 2 && r.every((x) => Number.isInteger(x) && x >= 0) && r[0] < r[1])) {
    throw new ConfigError('the model does not record its training ranges ([from, to) job indices): the planner reads its workload from them', { field: 'training.trainingRanges' });
  }
  const evalStarts = Array.isArray(t.evaluationWindows) ? (t.evaluationWindows as number[]) : [];
  const evalLength = typeof t.evaluationLength === 'number' ? t.evaluationLength : 0;
  for (const [from, to] of ranges as [number, number][]) {
    if (to > jobs.length) throw new ConfigError(`training range [${from}, ${to}) is past the log's ${jobs.length} jobs (${trace})`, { field: 'training.trainingRanges' });
    for (const s of evalStarts) {
      if (from < s + evalLength && s < to) throw new ConfigError(`training range [${from}, ${to}) overlaps the evaluation window at ${s} (${evalLength} jobs)`, { field: 'training.trainingRanges' });
    }
  }
  const pairs: [number, number][] = [];
  const gaps: number[] = [];
  for (const [from, to] of ranges as [number, number][]) {
    for (let i = from; i < to; i++) {
      const j = jobs[i] as BatchJob;
      pairs.push([j.procs, j.requested]);
      if (i > from) {
        const g = j.submit - (jobs[i - 1] as BatchJob).submit;
        if (g < 0) throw new ConfigError(`jobs ${i - 1} and ${i} of ${trace} are not in submit order: the workload's gaps need them to be`, { field: 'training.trainingRanges' });
        gaps.push(g);
      }
    }
  }
  const spec: PlannerSpec = {
    method: 'rollout',
    candidates: opts.candidates ?? ROLLOUT_DEFAULTS.candidates,
    samples: opts.samples ?? ROLLOUT_DEFAULTS.samples,
    future: opts.future ?? ROLLOUT_DEFAULTS.future,
    seed: opts.seed,
    workload: { gaps, jobs: pairs },
    source: { trace, ranges, jobs: pairs.length, built: 'src/learn/planner-build.ts' },
  };
  checkPlanner(spec, (field, what) => {
    throw new ConfigError(what, { field });
  });
  return { ...model, planner: spec };
}

/** How a planner's `source` names its log: folder and file name (`swf/lublin_256.swf.gz`), the same wherever the data root is. */
export function logLabel(file: string): string {
  return `${path.basename(path.dirname(file))}/${path.basename(file)}`;
}

/**
 * `model` with the planner its training config asks for (`planner` in the config; the model
 * unchanged without one), built from the config's own log: what `drs train` does after training,
 * and what bench/learn-planner.ts does for a model file already trained.
 */
export function withConfiguredPlanner(model: PolicyNetFile, cfg: QueueTrainConfig, workload: BatchWorkload): PolicyNetFile {
  const p = cfg.planner;
  if (p === undefined) return model;
  return withPlanner(model, workload.jobs, logLabel(workload.file), { candidates: p.candidates, samples: p.samples, future: p.future, seed: p.seed ?? `${cfg.name}:planner` });
}
