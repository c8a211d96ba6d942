import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { DOCS, formatPath, plainMessage } from '../core/plain-issue.js';
import { MAX_PLANNED_ARRIVALS, MAX_PLANNED_CANDIDATES, ROLLOUT_DEFAULTS } from '../core/planner-spec.js';
import { DEFAULT_JITTER } from './resampled-log.js';

/**
 * Training configuration (`drs train CONFIG.yaml`, files in `train/`). Two kinds:
 *
 * - `queue`: a `learned-queue` model on one SWF log; reward `bounded-slowdown` (minus the mean
 *   bounded slowdown of the episode's jobs).
 * - `allocator`: a `learned` allocator model on a scenario; reward: weighted SLA attainment, cost
 *   and utilization (see src/learn/fleet.ts); windows are workload seeds.
 *
 * Windows are job-index ranges. Training windows are drawn from `train.ranges`; model selection
 * uses `validation.windows` only; `evaluation.windows` (default: the reference protocol's 10) are
 * never trained on or selected on. The loader refuses a config whose training ranges or
 * validation windows overlap an evaluation window.
 */
const ppo = z
  .object({
    iterations: z.number().int().positive(),
    windowsPerIteration: z.number().int().positive().default(4),
    samplesPerWindow: z.number().int().min(2).default(4),
    learningRate: z.number().positive().default(3e-3),
    clip: z.number().positive().default(0.2),
    entropy: z.number().nonnegative().default(0.01),
    epochs: z.number().int().positive().default(4),
  })
  .strict();

/**
 * Cross-entropy method (queue models): a Gaussian over the network's weights; each generation
 * samples `population` weight vectors (the first is the current mean), plays each on the same
 * `windowsPerGeneration` training windows, and refits mean and standard deviation to the `elite`
 * best (score: mean over the windows of bsld ÷ the `normalizeBy` order's bsld on the window),
 * keeping the standard deviation at least `minStd`. With `smoothing` α < 1 the refit is smoothed
 * (Kroese, Porotsky & Rubinstein 2006): μ ← α·(elite mean) + (1 − α)·μ, and σ likewise, so one
 * generation's lucky elite moves the search only part of the way. With `commonWindows` every
 * generation plays the same windows (a sample-average objective instead of a fresh draw).
 */
const cem = z
  .object({
    generations: z.number().int().positive(),
    population: z.number().int().min(2).default(24),
    elite: z.number().int().positive().default(6),
    windowsPerGeneration: z.number().int().positive().default(6),
    initStd: z.number().positive().default(1),
    minStd: z.number().nonnegative().default(0.05),
    /** `none`: the raw mean bounded slowdown (heavy windows weigh more, as in the evaluation's mean). */
    normalizeBy: z.enum(['fcfs', 'sjf', 'f1', 'none']).default('f1'),
    /** Weight of the new elite fit in the refit of μ and σ (absent: 1, the plain refit). */
    smoothing: z.number().gt(0, 'must be above 0 (0 would never move the search)').max(1).optional(),
    /**
     * Common random numbers: draw the training windows once (Rng(seed:cem:windows)) and play every
     * generation on those same windows, so a candidate's score differs from another generation's
     * by the weights alone, not by which windows were drawn (absent: false, fresh windows each
     * generation).
     */
    commonWindows: z.boolean().optional(),
  })
  .strict();

/** The values of a queue config's `features:` (which job features the network sees). */
export const QUEUE_FEATURE_CHOICES = ['base', 'time-width', 'time-to-fit', 'context'] as const;

/**
 * `init: f1`: start from F1's order instead of a model (see f1Layers in train-queue.ts); needs the
 * `context` features (they hold F1's rank) and a linear scorer (`network.hidden: []`).
 */
export const F1_INIT = 'f1';

export const REFERENCE_EVAL_WINDOWS = [1981, 2756, 4299, 8850, 3316, 2714, 5228, 7762, 4022, 7085];

const range = z.tuple([z.number().int().nonnegative(), z.number().int().positive()]);
const validationWindows = z.object({ windows: z.array(z.number().int().nonnegative()).min(1), length: z.number().int().positive().default(1024) }).strict();

/**
 * Another SWF log a CEM queue model also trains and validates on (cross-log training, see
 * src/learn/cross-log.ts): `windows` of its training windows join every generation, and its
 * validation windows join the validation score. The evaluation windows apply to it as well (a
 * model is evaluated on the other logs for generalisation), so its ranges must miss them too.
 */
const alsoLog = z
  .object({
    /** The SWF log, relative to the config file. */
    trace: z.string().min(1),
    /** Training windows of this log per generation. */
    windows: z.number().int().positive().default(3),
    train: z.object({ ranges: z.array(range).min(1) }).strict(),
    validation: validationWindows,
  })
  .strict();

const queueConfig = z
  .object({
    kind: z.literal('queue'),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    seed: z.number().int().default(1),
    trace: z.string().min(1),
    /**
     * Backfilling during training episodes and validation. `mixed`: the iteration's windows
     * alternate between none and EASY (each window's samples share one mode), and validation is
     * the mean of the two modes' bsld, for a model that will run under both.
     */
    backfill: z.enum(['none', 'easy', 'mixed']).default('none'),
    reward: z.literal('bounded-slowdown').default('bounded-slowdown'),
    episodeLength: z.number().int().positive().default(256),
    train: z
      .object({
        ranges: z.array(range).min(1),
        /**
         * Keep a drawn training window only if the classical `order` (no backfilling) has a mean
         * bounded slowdown of at least `bsld` on it (redraw, at most 50 times): trains on loaded
         * windows, as RLScheduler's SJF-score filter does.
         */
        minLoad: z.object({ order: z.enum(['fcfs', 'sjf', 'f1']), bsld: z.number().nonnegative() }).strict().optional(),
      })
      .strict(),
    validation: validationWindows,
    /**
     * Backfilling modes of the cross-log validation score S (with `also` or `synthetic.validation`):
     * both by default, since a model shipped for both runs under both; one mode for a model meant
     * for that mode only.
     */
    validationModes: z.array(z.enum(['none', 'easy'])).min(1).optional(),
    /**
     * How the cross-log score S weighs its logs: `logs` (default) ½ the own log + ½ the others;
     * `jobs` each log by the jobs of its validation windows — for a synthetic validation log drawn
     * from the same model as the own log, where a window is a window wherever it comes from.
     */
    validationWeighting: z.enum(['logs', 'jobs']).optional(),
    /**
     * Other logs to train and validate on beside `trace` (CEM only). With them, every episode and
     * validation score is relative to F1 on the same windows, and validation weighs the own log ½
     * and the others ½ together.
     */
    also: z.array(alsoLog).min(1).optional(),
    /**
     * A synthetic log (CEM only): resampled from the own log's `train.ranges`
     * (src/learn/resampled-log.ts) or drawn from the Lublin model (`model: lublin99`,
     * src/learn/lublin-log.ts); `windows` of its windows join every generation beside the own
     * log's, for more queue histories of the same workload than the training part holds.
     */
    synthetic: z
      .object({
        /**
         * Where the synthetic log comes from: `resample` (the own log's training ranges, hour by
         * hour; src/learn/resampled-log.ts) or `lublin99` (the Lublin–Feitelson workload model for
         * the own log's machine, src/traces/lublin99.ts; `jitter` does not apply). Default resample
         * (absent, so model files trained before the option record the same config).
         */
        model: z.enum(['resample', 'lublin99']).optional(),
        /** Windows of the synthetic log per generation. */
        windows: z.number().int().positive().default(6),
        /** Jobs of the synthetic log. */
        jobs: z.number().int().positive().default(100000),
        /** Log-normal smoothing of the resampled run times (resample only; default 0.1). */
        jitter: z.number().nonnegative().optional(),
        /**
         * Validation windows of `episodeLength` jobs on a second synthetic log (seed `synthetic-validation`, the same for
         * every config seed, never trained on); 0: none. With them the validation score is the
         * cross-log S, the synthetic log counting as another log.
         */
        validation: z.number().int().nonnegative().default(0),
      })
      .strict()
      .optional(),
    /** At least one window (an empty list evaluated nothing and printed all-null figures); default: the reference protocol's. */
    evaluation: z.object({ windows: z.array(z.number().int().nonnegative()).min(1).default(REFERENCE_EVAL_WINDOWS), length: z.number().int().positive().default(1024) }).strict().default({ windows: REFERENCE_EVAL_WINDOWS, length: 1024 }),
    network: z.object({ hidden: z.array(z.number().int().positive()).default([32, 16]) }).strict().default({ hidden: [32, 16] }),
    /**
     * Start from this model's weights and feature scaling instead of a random network: a shipped
     * model name (models/queue/NAME.json) or a .json path (relative to the config file's folder);
     * its feature list must be the config's. `f1` (F1_INIT) starts from F1's own order: a linear
     * scorer of the `context` features that takes F1's pick, which the search then perturbs.
     */
    init: z.string().min(1).optional(),
    /**
     * Another queue training config (a path relative to this file) whose model becomes this
     * model's scorer for runs with backfilling (`withBackfilling` in the model file): `drs train`
     * trains this config, then that one, and writes one file. Same name, features and candidates;
     * it must train with backfilling and cannot name a further config.
     */
    withBackfilling: z.string().min(1).optional(),
    /** Candidates when more than 128 jobs wait: the oldest (`arrival`) or `short-narrow` (see learned-queue.ts). */
    candidates: z.enum(['arrival', 'short-narrow']).default('arrival'),
    /**
     * Job features: `base` (8, QUEUE_FEATURES), `time-width` (the 8 and log10(requested) × width
     * share), `time-to-fit` (the 9 and the log of the seconds until the job could start) or
     * `context` (the 10 and 7 features of the job among the other candidates, QUEUE_FEATURES_CONTEXT).
     */
    features: z.enum(QUEUE_FEATURE_CHOICES).default('base'),
    /** The training method: exactly one of `ppo` and `cem`. */
    ppo: ppo.optional(),
    cem: cem.optional(),
    /**
     * Behaviour cloning before PPO (optional): the network first imitates a classical order
     * (`teacher`) on `windows` training windows, `steps` Adam steps at `learningRate`.
     */
    imitation: z
      .object({
        teacher: z.enum(['fcfs', 'sjf', 'f1']),
        windows: z.number().int().positive().default(8),
        steps: z.number().int().positive().default(200),
        learningRate: z.number().positive().default(0.01),
      })
      .strict()
      .optional(),
    /**
     * A planner for runs without backfilling (src/queue/learned-planner.ts), built after training
     * from this config's own log, its `train.ranges` only (src/learn/planner-build.ts): K
     * `candidates` rolled out under `samples` futures of `future` arrivals; `seed` defaults to
     * NAME:planner. Absent: the model has no planner.
     */
    planner: z
      .object({
        candidates: z.number().int().min(2).max(MAX_PLANNED_CANDIDATES).default(ROLLOUT_DEFAULTS.candidates),
        samples: z.number().int().positive().default(ROLLOUT_DEFAULTS.samples),
        future: z.number().int().positive().default(ROLLOUT_DEFAULTS.future),
        seed: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    validateEvery: z.number().int().positive().default(5),
    checkpointEvery: z.number().int().positive().default(5),
  })
  .strict();

export type QueueTrainConfig = z.infer<typeof queueConfig>;

/** Iterations (PPO) or generations (CEM) of a queue config. */
export function queueIterations(c: QueueTrainConfig): number {
  return c.cem?.generations ?? c.ppo?.iterations ?? 0;
}

/** The config with its iteration (or generation) count replaced. */
export function withQueueIterations(c: QueueTrainConfig, n: number): QueueTrainConfig {
  if (c.cem !== undefined) return { ...c, cem: { ...c.cem, generations: n } };
  return c.ppo === undefined ? c : { ...c, ppo: { ...c.ppo, iterations: n } };
}

const seedList = z.array(z.number().int()).min(1);
const allocatorConfig = z
  .object({
    kind: z.literal('allocator'),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    seed: z.number().int().default(1),
    /** Scenario file (relative to the config file). */
    scenario: z.string().min(1),
    /** reward = sla · SLA attainment − cost · cost / cost of the initial fleet + utilization · mean utilization. */
    reward: z
      .object({ sla: z.number().nonnegative().default(1), cost: z.number().nonnegative().default(0), utilization: z.number().nonnegative().default(0) })
      .strict()
      .default({ sla: 1, cost: 0, utilization: 0 }),
    /** Seconds of traffic per training episode (the scenario's own horizon when absent). */
    horizon: z.number().positive().optional(),
    /** Training seeds: the scenario's workload is drawn with seeds from..to−1. */
    train: z.object({ seeds: z.tuple([z.number().int(), z.number().int()]) }).strict(),
    validation: z.object({ seeds: seedList }).strict(),
    /**
     * Evaluation seeds, never trained or selected on: `drs train` evaluates the model on them
     * against the classical strategies (src/cli/train-allocator.ts) and records them in the model
     * file (`training.evaluationSeeds`), where bench/learn-fleet.ts reads them to re-measure it.
     */
    evaluation: z.object({ seeds: seedList.default([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) }).strict().default({ seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }),
    network: z.object({ hidden: z.array(z.number().int().positive()).default([16, 8]) }).strict().default({ hidden: [16, 8] }),
    ppo,
    validateEvery: z.number().int().positive().default(2),
    // No checkpointEvery: an allocator trains in one run and writes no checkpoints (refused with the reason in ALLOCATOR_ONLY_QUEUE).
  })
  .strict();

export type AllocatorTrainConfig = z.infer<typeof allocatorConfig>;

export const trainConfigSchema = z.discriminatedUnion('kind', [queueConfig, allocatorConfig]);
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Validate a parsed config; throws ConfigError naming the field. */
export function parseTrainConfig(raw: unknown, file: string): TrainConfig {
  const r = trainConfigSchema.safeParse(raw);
  if (!r.success) throw issueError(r.error.issues[0], raw, file);
  const c = r.data;
  if (c.kind === 'queue') {
    if ((c.ppo === undefined) === (c.cem === undefined)) throw new ConfigError('give exactly one training method: a `ppo` block or a `cem` block', { file, field: c.ppo === undefined ? 'ppo' : 'cem' });
    if (c.cem !== undefined && c.cem.elite > c.cem.population) throw new ConfigError(`cem.elite (${c.cem.elite}) cannot exceed cem.population (${c.cem.population})`, { file, field: 'cem.elite' });
    if (c.cem !== undefined && c.cem.minStd > c.cem.initStd) {
      // The floor added to every generation's spread above the spread it starts from: the search would never narrow. Name the one written.
      const wroteMin = typeof raw === 'object' && raw !== null && typeof (raw as { cem?: unknown }).cem === 'object' && (raw as { cem: object | null }).cem !== null && 'minStd' in ((raw as { cem: object }).cem);
      throw new ConfigError(`cem.minStd (${c.cem.minStd}) cannot exceed cem.initStd (${c.cem.initStd}): the spread kept in every generation would be wider than the one the search starts from; lower cem.minStd or raise cem.initStd`, {
        file,
        field: wroteMin ? 'cem.minStd' : 'cem.initStd',
      });
    }
    if (c.init === F1_INIT && c.features !== 'context') {
      throw new ConfigError(`init: f1 starts from F1's order, which a scorer sees through the f1-rank feature of features: context; this config trains features: ${c.features}: write features: context`, { file, field: 'features' });
    }
    if (c.init === F1_INIT && c.network.hidden.length > 0) {
      throw new ConfigError(`init: f1 is a linear scorer (a weight on f1-rank), but network.hidden is [${c.network.hidden.join(', ')}]: write network: { hidden: [] }`, { file, field: 'network.hidden' });
    }
    if (c.cem !== undefined && c.imitation !== undefined) throw new ConfigError('imitation is a PPO warm start; a `cem` config cannot use it', { file, field: 'imitation' });
    if (c.also !== undefined && c.cem === undefined) throw new ConfigError('`also` (training on several logs) needs a `cem` block; PPO trains on one log', { file, field: 'also' });
    if (c.synthetic !== undefined && c.cem === undefined) throw new ConfigError('`synthetic` (training on a resampled log) needs a `cem` block', { file, field: 'synthetic' });
    if (c.synthetic?.model === 'lublin99' && c.synthetic.jitter !== undefined) {
      throw new ConfigError('synthetic.jitter smooths a resample of the own log; a log drawn from the Lublin model (model: lublin99) has none to smooth: remove it', { file, field: 'synthetic.jitter' });
    }
    if (c.synthetic !== undefined && c.synthetic.model !== 'lublin99' && c.synthetic.jitter === undefined) {
      // A resample's default jitter, in the schema's key order: the recorded config (model files,
      // checkpoints compared by `--resume`) is then the one recorded when the default was zod's.
      const { model, windows, jobs, validation } = c.synthetic;
      c.synthetic = { ...(model === undefined ? {} : { model }), windows, jobs, jitter: DEFAULT_JITTER, validation };
    }
    if (c.synthetic !== undefined && c.synthetic.jobs < c.episodeLength) {
      throw new ConfigError(`synthetic.jobs (${c.synthetic.jobs}) is shorter than one episode (${c.episodeLength} jobs)`, { file, field: 'synthetic.jobs' });
    }
    if (c.validationWeighting !== undefined && c.also === undefined && (c.synthetic?.validation ?? 0) === 0) {
      throw new ConfigError('validationWeighting weighs the logs of the cross-log score: it needs `also` or `synthetic.validation`', { file, field: 'validationWeighting' });
    }
    if (c.validationModes !== undefined && c.also === undefined && (c.synthetic?.validation ?? 0) === 0) {
      throw new ConfigError('validationModes sets the modes of the cross-log score: it needs `also` or `synthetic.validation` (without them validation uses the training backfilling)', { file, field: 'validationModes' });
    }
    if (c.also !== undefined && c.cem?.normalizeBy === 'none') {
      throw new ConfigError('`also` needs cem.normalizeBy fcfs, sjf or f1: raw bounded slowdowns of different logs are not on one scale', { file, field: 'cem.normalizeBy' });
    }
    if (c.planner !== undefined && c.planner.samples * c.planner.future > MAX_PLANNED_ARRIVALS) {
      throw new ConfigError(`planner.samples × planner.future must be at most ${MAX_PLANNED_ARRIVALS} (a pick's cost grows with it), got ${c.planner.samples} × ${c.planner.future}`, { file, field: 'planner' });
    }
    checkDisjoint(c, c.train.ranges, c.validation, file, '');
    c.also?.forEach((a, i) => checkDisjoint(c, a.train.ranges, a.validation, file, `also[${i}].`));
  }
  else checkSeeds(c, file);
  return c;
}

/**
 * The first schema issue as a ConfigError naming its field (dotted: `train.ranges.0`): an unknown
 * key names the key, and says so when it is a key of the other kind of config.
 */
function issueError(i: z.core.$ZodIssue | undefined, raw: unknown, file: string): ConfigError {
  if (i === undefined) return new ConfigError('invalid training config', { file });
  if (i.code !== 'unrecognized_keys') return new ConfigError(plainMessage(i, DOCS.learned), { file, field: i.path.length === 0 ? '(root)' : formatPath(i.path) });
  const key = i.keys[0] as string;
  const kind = (raw as { kind?: unknown }).kind;
  const why = kind === 'allocator' && i.path.length === 0 ? ALLOCATOR_ONLY_QUEUE[key] : undefined;
  if (why !== undefined) return new ConfigError(`unknown key '${key}' in an allocator config: ${why}; remove it`, { file, field: key });
  const other = kind === 'queue' ? allocatorConfig : queueConfig;
  const elsewhere = i.path.length === 0 && key in other.shape ? ` (a key of kind ${kind === 'queue' ? 'allocator' : 'queue'} configs; this one is kind ${String(kind)})` : '';
  return new ConfigError(`unknown key '${key}'${elsewhere}`, { file, field: formatPath([...i.path, key]) });
}

/** Keys of queue configs an allocator config once accepted but drs train never used: why they are refused. */
const ALLOCATOR_ONLY_QUEUE: Readonly<Record<string, string>> = {
  checkpointEvery: 'an allocator trains in one PPO run and writes no checkpoints (checkpointEvery is for kind queue configs)',
};

/** Training seeds, validation seeds and evaluation seeds must be pairwise disjoint. */
function checkSeeds(c: AllocatorTrainConfig, file: string): void {
  const [a, b] = c.train.seeds;
  if (b <= a) throw new ConfigError(`train.seeds [${a}, ${b}) is empty`, { file, field: 'train.seeds' });
  const inTrain = (s: number): boolean => s >= a && s < b;
  c.evaluation.seeds.forEach((s, i) => {
    if (inTrain(s)) throw new ConfigError(`evaluation seed ${s} is also a training seed`, { file, field: `evaluation.seeds[${i}]` });
    if (c.validation.seeds.includes(s)) throw new ConfigError(`evaluation seed ${s} is also a validation seed`, { file, field: `evaluation.seeds[${i}]` });
  });
  c.validation.seeds.forEach((s, i) => {
    if (inTrain(s)) throw new ConfigError(`validation seed ${s} is also a training seed`, { file, field: `validation.seeds[${i}]` });
  });
}

/** Every training range and validation window (of the own log, or of one `also` log under `prefix`) must miss every evaluation window. */
function checkDisjoint(c: QueueTrainConfig, ranges: readonly (readonly [number, number])[], validation: { windows: number[]; length: number }, file: string, prefix: string): void {
  const L = c.evaluation.length;
  const evals = c.evaluation.windows.map((s) => [s, s + L] as const);
  const overlaps = (a: number, b: number): string | undefined => {
    const hit = evals.find(([s, e]) => a < e && s < b);
    return hit === undefined ? undefined : `jobs [${a}, ${b}) overlap the evaluation window [${hit[0]}, ${hit[1]})`;
  };
  ranges.forEach(([a, b], i) => {
    if (b <= a) throw new ConfigError(`training range [${a}, ${b}) is empty: write [first job, end) with first job < end`, { file, field: `${prefix}train.ranges[${i}]` });
    if (b - a < c.episodeLength) throw new ConfigError(`training range [${a}, ${b}) is shorter than one episode (${c.episodeLength} jobs)`, { file, field: `${prefix}train.ranges[${i}]` });
    const o = overlaps(a, b);
    if (o !== undefined) throw new ConfigError(`training ${o}: training and evaluation must be disjoint`, { file, field: `${prefix}train.ranges[${i}]` });
  });
  validation.windows.forEach((s, i) => {
    const o = overlaps(s, s + validation.length);
    if (o !== undefined) throw new ConfigError(`validation ${o}`, { file, field: `${prefix}validation.windows[${i}]` });
    const t = ranges.find(([a, b]) => s < b && a < s + validation.length);
    if (t !== undefined) throw new ConfigError(`validation window [${s}, ${s + validation.length}) overlaps the training range [${t[0]}, ${t[1]})`, { file, field: `${prefix}validation.windows[${i}]` });
  });
}
