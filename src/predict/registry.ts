/**
 * The forecaster registry: one map from a literal-union name to a zod schema for its options and a
 * factory. Callers (CLI, bench, autoscaling) construct forecasters only through `createForecaster`.
 * Options are validated strictly (unknown keys are errors); the shared context supplies the
 * season, horizon and seed when an option does not override them.
 */
import { z } from 'zod';
import { ConfigError, UserError } from '../core/errors.js';
import { AUTO_SCORES, AutoForecaster, type AutoCandidate, type AutoScore } from './auto.js';
import { DoubleSeasonalForecaster } from './double-seasonal.js';
import { createEwma } from './ewma.js';
import { createHolt } from './holt.js';
import { HoltWintersForecaster } from './holt-winters.js';
import { LstmForecaster } from './lstm.js';
import { MlpForecaster } from './mlp.js';
import { MovingAverageForecaster } from './moving-average.js';
import { NaiveForecaster } from './naive.js';
import { RegressionForecaster } from './regression.js';
import { SeasonalNaiveForecaster } from './seasonal-naive.js';
import { ThetaForecaster } from './theta.js';
import type { Forecaster, ForecasterContext } from './types.js';
import { firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';

const season = z.number().int().min(1).optional();
const unit = z.number().gt(0).lt(1).optional();
const positiveInt = z.number().int().min(1).optional();

const hwSchema = z
  .object({
    season,
    seasonal: z.enum(['additive', 'multiplicative', 'auto']).optional(),
    trend: z.enum(['none', 'additive', 'damped', 'auto']).optional(),
    alpha: unit,
    beta: unit,
    gamma: unit,
    phi: z.number().gt(0).max(1).optional(),
    guard: z.boolean().optional(),
    nonSeasonal: z.boolean().optional(),
    validation: positiveInt,
    fitWindow: positiveInt,
    loss: z.enum(['squared', 'relative', 'absolute']).optional(),
  })
  .strict();

const neuralSchema = z
  .object({
    season,
    window: positiveInt,
    horizon: positiveInt,
    units: positiveInt,
    epochs: positiveInt,
    batchSize: positiveInt,
    learningRate: z.number().gt(0).optional(),
    maxSamples: positiveInt,
    seed: z.union([z.number(), z.string()]).optional(),
  })
  .strict();

/** Models `auto` chooses among by default (cheap, synchronous ones). */
export const AUTO_DEFAULT_CANDIDATES = [
  'seasonal-naive',
  'holt-winters',
  'holt-winters-robust',
  'theta',
  'double-seasonal',
  'regression',
  'regression-dummy',
  'ewma',
  'holt',
  'moving-average',
  'naive',
] as const;

const specs = {
  naive: { summary: 'last value repeated', schema: z.object({}).strict(), create: () => new NaiveForecaster() },
  'seasonal-naive': {
    summary: 'value one season back',
    schema: z.object({ season }).strict(),
    create: (o: { season?: number }, c: ForecasterContext) => new SeasonalNaiveForecaster({ season: o.season ?? c.season }),
  },
  'moving-average': {
    summary: 'mean of the last k values',
    schema: z.object({ window: positiveInt }).strict(),
    create: (o: { window?: number }) => new MovingAverageForecaster(o),
  },
  ewma: {
    summary: 'simple exponential smoothing, alpha fitted',
    schema: z.object({ alpha: unit, fitWindow: positiveInt }).strict(),
    create: (o: { alpha?: number; fitWindow?: number }) => createEwma(o),
  },
  holt: {
    summary: "Holt's (damped) linear trend, fitted",
    schema: z.object({ damped: z.boolean().optional(), alpha: unit, beta: unit, phi: z.number().gt(0).max(1).optional(), fitWindow: positiveInt }).strict(),
    create: (o: { damped?: boolean; alpha?: number; beta?: number; phi?: number; fitWindow?: number }) => createHolt(o),
  },
  'holt-winters': {
    summary: 'Holt-Winters, variant and fallback chosen on a holdout',
    schema: hwSchema,
    create: (o: z.infer<typeof hwSchema>, c: ForecasterContext) => new HoltWintersForecaster({ ...o, season: o.season ?? c.season, horizon: c.horizon }),
  },
  'holt-winters-robust': {
    summary: 'holt-winters fitted on absolute one-step errors (robust to spikes)',
    schema: hwSchema,
    create: (o: z.infer<typeof hwSchema>, c: ForecasterContext) => new HoltWintersForecaster({ loss: 'absolute', ...o, season: o.season ?? c.season, horizon: c.horizon }, 'holt-winters-robust'),
  },
  'ets-mult-error': {
    summary: 'ETS family (trend none/additive/damped × season) fitted with multiplicative errors',
    schema: hwSchema,
    create: (o: z.infer<typeof hwSchema>, c: ForecasterContext) => new HoltWintersForecaster({ loss: 'relative', ...o, season: o.season ?? c.season, horizon: c.horizon }, 'ets-mult-error'),
  },
  theta: {
    summary: 'Theta method: SES with drift, on seasonally adjusted data when the series tests seasonal',
    schema: z.object({ season }).strict(),
    create: (o: { season?: number }, c: ForecasterContext) => new ThetaForecaster(o.season ?? c.season),
  },
  'double-seasonal': {
    summary: "Taylor's double seasonal Holt-Winters (daily + weekly), AR(1) error adjustment",
    schema: z.object({ season, weekly: positiveInt }).strict(),
    create: (o: { season?: number; weekly?: number }, c: ForecasterContext) => new DoubleSeasonalForecaster({ season: o.season ?? c.season, ...(o.weekly !== undefined ? { weekly: o.weekly } : {}) }),
  },
  'holt-winters-additive': {
    summary: 'textbook additive Holt-Winters (additive trend), fitted, no guard',
    schema: hwSchema,
    create: (o: z.infer<typeof hwSchema>, c: ForecasterContext) =>
      new HoltWintersForecaster({ seasonal: 'additive', trend: 'additive', guard: false, ...o, season: o.season ?? c.season, horizon: c.horizon }, 'holt-winters-additive'),
  },
  'holt-winters-multiplicative': {
    summary: 'multiplicative-season Holt-Winters (additive trend), fitted, no guard',
    schema: hwSchema,
    create: (o: z.infer<typeof hwSchema>, c: ForecasterContext) =>
      new HoltWintersForecaster({ seasonal: 'multiplicative', trend: 'additive', guard: false, ...o, season: o.season ?? c.season, horizon: c.horizon }, 'holt-winters-multiplicative'),
  },
  regression: {
    summary: 'OLS on trend + Fourier seasonal terms',
    schema: z.object({ season, harmonics: positiveInt, window: positiveInt, trend: z.boolean().optional() }).strict(),
    create: (o: { season?: number; harmonics?: number; window?: number; trend?: boolean }, c: ForecasterContext) =>
      new RegressionForecaster({ ...o, features: 'fourier', season: o.season ?? c.season }),
  },
  'regression-dummy': {
    summary: 'OLS on trend + seasonal phase dummies',
    schema: z.object({ season, window: positiveInt, trend: z.boolean().optional() }).strict(),
    create: (o: { season?: number; window?: number; trend?: boolean }, c: ForecasterContext) =>
      new RegressionForecaster({ ...o, features: 'dummy', season: o.season ?? c.season }),
  },
  mlp: {
    summary: 'TensorFlow.js MLP on lagged windows (async fit)',
    schema: neuralSchema,
    create: (o: z.infer<typeof neuralSchema>, c: ForecasterContext): Forecaster => new MlpForecaster({ ...o, season: o.season ?? c.season, horizon: o.horizon ?? c.horizon, seed: o.seed ?? c.seed }),
  },
  lstm: {
    summary: 'TensorFlow.js LSTM on lagged windows (async fit)',
    schema: neuralSchema,
    create: (o: z.infer<typeof neuralSchema>, c: ForecasterContext): Forecaster => new LstmForecaster({ ...o, season: o.season ?? c.season, horizon: o.horizon ?? c.horizon, seed: o.seed ?? c.seed }),
  },
  auto: {
    summary: 'picks per series (or combines up to 3) by rolling-origin validation sMAPE on the training part',
    schema: z.object({ candidates: z.array(z.string()).min(1).optional(), validation: positiveInt, combine: positiveInt, calibration: positiveInt, score: z.enum(AUTO_SCORES).optional() }).strict(),
    create: (o: { candidates?: string[]; validation?: number; combine?: number; calibration?: number; score?: AutoScore }, c: ForecasterContext): Forecaster => {
      const names = o.candidates ?? [...AUTO_DEFAULT_CANDIDATES];
      const candidates: AutoCandidate[] = names.map((n) => {
        const name = checkName(n);
        if (name === 'auto' || name === 'mlp' || name === 'lstm') throw new ConfigError(`auto cannot choose '${name}' (only synchronous classical models)`, { field: 'candidates' });
        return { name, make: () => createForecaster(name, {}, c) };
      });
      return new AutoForecaster(candidates, { season: c.season, horizon: c.horizon, validation: o.validation, combine: o.combine, calibration: o.calibration, score: o.score });
    },
  },
} as const;

export type ForecasterName = keyof typeof specs;
export const FORECASTER_NAMES = Object.keys(specs) as ForecasterName[];

export function isForecasterName(name: string): name is ForecasterName {
  return Object.prototype.hasOwnProperty.call(specs, name);
}

/** Throws a UserError listing the valid names when `name` is not one. */
export function checkName(name: string): ForecasterName {
  if (!isForecasterName(name)) throw new UserError(`unknown model '${name}'; valid models: ${FORECASTER_NAMES.join(', ')}`, { field: 'models' });
  return name;
}

/** Whether the model draws random numbers (its options take a `seed`; the context's seed is the default). */
export function usesSeed(name: ForecasterName): boolean {
  return 'seed' in specs[name].schema.shape;
}

export function describeForecasters(): { name: ForecasterName; summary: string }[] {
  return FORECASTER_NAMES.map((name) => ({ name, summary: specs[name].summary }));
}

/** Build a forecaster by name; `options` is validated against the model's schema. */
export function createForecaster(name: string, options: unknown = {}, context: ForecasterContext = {}): Forecaster {
  const key = checkName(name);
  const spec = specs[key];
  const parsed = spec.schema.safeParse(options, KEY_HINTS);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error.issues);
    const field = issue === undefined ? undefined : formatPath(issuePath(issue)) || undefined;
    throw new ConfigError(`options of model '${key}': ${issue === undefined ? 'invalid' : plainMessage(issue)}`, { field });
  }
  return (spec.create as (o: unknown, c: ForecasterContext) => Forecaster)(parsed.data, context);
}
