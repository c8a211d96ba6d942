import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * Training configuration (`drs train CONFIG.yaml`, files in `train/`). Two kinds:
 *
 * - `queue`: a `learned-queue` model on one SWF log; reward `bounded-slowdown` (minus the mean
 *   bounded slowdown of the episode's jobs).
 * - `allocator`: a `learned` allocator model on a scenario; reward `sla-cost` (weighted SLA
 *   attainment, cost and utilization, see src/learn/fleet.ts).
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

export const REFERENCE_EVAL_WINDOWS = [1981, 2756, 4299, 8850, 3316, 2714, 5228, 7762, 4022, 7085];

const queueConfig = z
  .object({
    kind: z.literal('queue'),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    seed: z.number().int().default(1),
    trace: z.string(),
    backfill: z.enum(['none', 'easy']).default('none'),
    reward: z.literal('bounded-slowdown').default('bounded-slowdown'),
    episodeLength: z.number().int().positive().default(256),
    train: z.object({ ranges: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])).min(1) }).strict(),
    validation: z.object({ windows: z.array(z.number().int().nonnegative()).min(1), length: z.number().int().positive().default(1024) }).strict(),
    evaluation: z.object({ windows: z.array(z.number().int().nonnegative()).default(REFERENCE_EVAL_WINDOWS), length: z.number().int().positive().default(1024) }).strict().default({ windows: REFERENCE_EVAL_WINDOWS, length: 1024 }),
    network: z.object({ hidden: z.array(z.number().int().positive()).default([32, 16]) }).strict().default({ hidden: [32, 16] }),
    ppo,
    validateEvery: z.number().int().positive().default(5),
    checkpointEvery: z.number().int().positive().default(5),
  })
  .strict();

export type QueueTrainConfig = z.infer<typeof queueConfig>;

export const trainConfigSchema = z.discriminatedUnion('kind', [queueConfig]);
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Validate a parsed config; throws ConfigError naming the field. */
export function parseTrainConfig(raw: unknown, file: string): TrainConfig {
  const r = trainConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(i === undefined ? 'invalid training config' : i.message, { file, field: i?.path.join('.') ?? '' });
  }
  const c = r.data;
  checkDisjoint(c, file);
  return c;
}

/** Every training range and validation window must miss every evaluation window. */
function checkDisjoint(c: QueueTrainConfig, file: string): void {
  const L = c.evaluation.length;
  const evals = c.evaluation.windows.map((s) => [s, s + L] as const);
  const overlaps = (a: number, b: number): string | undefined => {
    const hit = evals.find(([s, e]) => a < e && s < b);
    return hit === undefined ? undefined : `jobs [${a}, ${b}) overlap the evaluation window [${hit[0]}, ${hit[1]})`;
  };
  c.train.ranges.forEach(([a, b], i) => {
    if (b - a < c.episodeLength) throw new ConfigError(`training range [${a}, ${b}) is shorter than one episode (${c.episodeLength} jobs)`, { file, field: `train.ranges.${i}` });
    const o = overlaps(a, b);
    if (o !== undefined) throw new ConfigError(`training ${o}: training and evaluation must be disjoint`, { file, field: `train.ranges.${i}` });
  });
  c.validation.windows.forEach((s, i) => {
    const o = overlaps(s, s + c.validation.length);
    if (o !== undefined) throw new ConfigError(`validation ${o}`, { file, field: `validation.windows.${i}` });
    const t = c.train.ranges.find(([a, b]) => s < b && a < s + c.validation.length);
    if (t !== undefined) throw new ConfigError(`validation window [${s}, ${s + c.validation.length}) overlaps the training range [${t[0]}, ${t[1]})`, { file, field: `validation.windows.${i}` });
  });
}
