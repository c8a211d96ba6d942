/**
 * `drs forecast SERIES.csv`: walk-forward comparison of forecasters on one series.
 * The protocol is src/predict/backtest.ts; the models come from the predict registry.
 */
import path from 'node:path';
import { UserError, isUserError } from '../core/errors.js';
import { Progress } from '../report/progress.js';
import {
  type Aggregation,
  type BacktestResult,
  type Series,
  type TfBackend,
  FORECASTER_NAMES,
  NeuralForecaster,
  aggregateEventsCsv,
  backtest,
  checkName,
  createForecaster,
  describeForecasters,
  type SeasonFinding,
  findSeason,
  readSeriesCsv,
  requireSeasons,
  trainLength,
  usesSeed,
} from '../predict/index.js';
import { listFlag, parseFlags } from './args.js';
import type { CliCommand, CliIo } from './command.js';

const DEFAULT_MODELS = 'naive,seasonal-naive,ewma,holt-winters,regression,auto';

const usage = `Usage: drs forecast SERIES.csv [options]

Backtest forecasters walk-forward on a timestamp,value CSV (or an event log with --step) and
print MAE, RMSE, sMAPE (percent, 0-200), MASE, the coverage of the 80 % and 95 % prediction
intervals (percent of actual values inside), the Winkler score of the 95 % interval and fit
seconds per model.

Options:
  --models a,b       models to compare (default ${DEFAULT_MODELS})
  --horizon H        steps forecast at each origin (default 12)
  --season S         seasonal period in steps (default: detected by autocorrelation on the training part)
  --no-clip-spikes   detect the season on the series as it is: by default isolated spikes are clipped
                     first, as noise (keep them when they are real, periodic demand, e.g. batch jobs)
  --train F          fraction used for the first fit (default 0.8)
  --every K          origins every K points of the rest (default 12)
  --refit-every R    re-estimate parameters every R origins, update states in between (default 1)
  --seed N           seed for the neural models (default 42; refused when --models has none)
  --json             print one JSON object instead of the table
  --quiet            no progress output (shown on stderr once a run passes a second: a bar on a
                     terminal, else a line every 5 s; the seasonal models' time grows with the season)
  --no-timings       leave out the fit seconds (wall clock, different on every run): the output is
                     then the same bytes for the same inputs and seed
  --step SECONDS     read SERIES as an event log and aggregate it into bins of SECONDS
  --agg sum|count|mean   aggregation for --step (default sum)
  --where COL=V[,V...]   with --step: aggregate only the rows whose COL is one of the values (exact;
                     repeat for more columns); the others are counted
  --skip-empty       with --step: leave out rows whose time cell is empty (counted), e.g. work that
                     began before a cluster table's start
  --time-column C    time column (default timestamp; with --step: timestamp, timestamp_anon, time or arrival)
  --value-column C   value column (default value)
  --max-gap N        longest gap (missing points) filled by linear interpolation (default 12)
Repairs for glitchy exports (off by default: each glitch is an error naming the line):
  --duplicates mean|first|last   merge runs of rows with the same timestamp
  --dst shift        timestamps are local time: undo daylight-saving jumps (repeated/skipped hour)
  --resample STEP    aggregate rows into bins of STEP seconds (irregular sampling), or of calendar
                     months: month, quarter or year (by the stamps' local date where they carry
                     a UTC offset, else UTC); empty bins are gaps
  --resample-agg mean|sum|min|max|last   aggregation for --resample (default mean)

Models: ${describeForecasters()
  .map((d) => d.name)
  .join(', ')}`;

function num(flag: string, text: string | undefined, fallback: number, integer: boolean, min?: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || (min !== undefined && v < min)) {
    throw new UserError(`--${flag} expects ${integer ? 'an integer' : 'a number'}${min !== undefined ? ` ≥ ${min}` : ''}, got '${text}'`, { field: flag });
  }
  return v;
}

/** Flags that only apply to one way of reading the series: given with the other, they would be ignored. */
const EVENT_LOG_ONLY = ['agg', 'where', 'skip-empty'] as const;
const SERIES_ONLY = ['duplicates', 'dst', 'resample', 'resample-agg'] as const;

/** A flag that would be ignored is refused, saying why, before the file is read. */
function checkIgnoredFlags(v: Record<string, string | string[] | boolean | undefined>, models: readonly string[]): void {
  const refuse = (flag: string, why: string): never => {
    throw new UserError(`--${flag} ${why}`, { field: flag });
  };
  if (v.step === undefined) {
    for (const f of EVENT_LOG_ONLY) if (v[f] !== undefined) refuse(f, 'aggregates an event log and needs --step SECONDS; without --step the file is read as a timestamp,value series');
    if (v['resample-agg'] !== undefined && v.resample === undefined) refuse('resample-agg', 'needs --resample STEP');
    if (v.duplicates !== undefined && v.resample !== undefined) refuse('duplicates', 'does not apply with --resample: rows sharing a bin, duplicates included, are combined by --resample-agg');
  } else {
    for (const f of SERIES_ONLY) if (v[f] !== undefined) refuse(f, 'repairs a timestamp,value series and does not apply with --step (an event log is aggregated into bins)');
    const how = (v.agg as string | undefined) ?? 'sum';
    if (how === 'count' && v['value-column'] !== undefined) refuse('value-column', 'names the column summed or averaged; with --agg count the events are only counted, no value is read');
    if ((how === 'sum' || how === 'count') && v['max-gap'] !== undefined) refuse('max-gap', `fills empty bins of --agg mean; with --agg ${how} an empty bin is 0 (no events), nothing is interpolated`);
  }
  if (v['no-clip-spikes'] === true && v.season !== undefined) refuse('no-clip-spikes', 'changes how the season is detected; with --season S nothing is detected');
  if (v.seed !== undefined && !models.some((m) => usesSeed(checkName(m)))) refuse('seed', `seeds the models that draw random numbers (${FORECASTER_NAMES.filter(usesSeed).join(', ')}), and --models has none of them`);
}

async function loadSeries(file: string, v: Record<string, string | string[] | boolean | undefined>): Promise<Series> {
  const maxGap = num('max-gap', v['max-gap'] as string | undefined, 12, true, 0);
  if (v.step !== undefined) {
    const how = (v.agg as string | undefined) ?? 'sum';
    if (!['sum', 'count', 'mean'].includes(how)) throw new UserError(`--agg must be sum, count or mean, got '${how}'`, { field: 'agg' });
    const where = whereFlags(v.where as string[] | undefined);
    return aggregateEventsCsv(file, {
      step: num('step', v.step as string, 0, false),
      how: how as Aggregation,
      timeColumn: v['time-column'] as string | undefined,
      valueColumn: v['value-column'] as string | undefined,
      maxGap,
      ...(where !== undefined ? { where } : {}),
      ...(v['skip-empty'] === true ? { skipEmpty: true } : {}),
    });
  }
  const duplicates = oneOf('duplicates', v.duplicates as string | undefined, ['mean', 'first', 'last'] as const);
  const dst = oneOf('dst', v.dst as string | undefined, ['shift'] as const);
  const resampleHow = oneOf('resample-agg', v['resample-agg'] as string | undefined, ['mean', 'sum', 'min', 'max', 'last'] as const);
  const CALENDAR = { month: 1, quarter: 3, year: 12 } as const;
  const calendar = typeof v.resample === 'string' && Object.hasOwn(CALENDAR, v.resample) ? CALENDAR[v.resample as keyof typeof CALENDAR] : undefined;
  if (v.resample !== undefined && calendar === undefined && !/^[0-9.eE+-]+$/.test(String(v.resample))) {
    throw new UserError(`--resample expects a positive number of seconds, or month, quarter or year; got '${String(v.resample)}'`, { field: 'resample' });
  }
  const resampleStep = v.resample === undefined || calendar !== undefined ? undefined : num('resample', v.resample as string, 0, false);
  if (resampleStep !== undefined && !(resampleStep > 0)) throw new UserError(`--resample expects a positive number of seconds, or month, quarter or year; got '${String(v.resample)}'`, { field: 'resample' });
  return readSeriesCsv(file, {
    maxGap,
    timestampColumn: v['time-column'] as string | undefined,
    valueColumn: v['value-column'] as string | undefined,
    ...(duplicates !== undefined ? { duplicates } : {}),
    ...(dst !== undefined ? { dst } : {}),
    ...(resampleStep !== undefined ? { resample: { step: resampleStep, how: resampleHow ?? 'mean' } } : {}),
    ...(calendar !== undefined ? { resample: { months: calendar, how: resampleHow ?? 'mean' } } : {}),
  });
}

/** `--where COL=V1,V2` (repeatable, one column each): the rows an event log keeps. */
function whereFlags(given: readonly string[] | undefined): Record<string, string[]> | undefined {
  if (given === undefined) return undefined;
  const out: Record<string, string[]> = {};
  for (const w of given) {
    const eq = w.indexOf('=');
    const column = eq < 0 ? '' : w.slice(0, eq).trim();
    const values = eq < 0 ? [] : w.slice(eq + 1).split(',').map((x) => x.trim());
    if (column === '' || values.length === 0 || values.some((x) => x === '')) throw new UserError(`--where expects COLUMN=VALUE[,VALUE...], got '${w}'`, { field: 'where' });
    if (Object.hasOwn(out, column)) throw new UserError(`--where names column '${column}' twice; list its values once: ${column}=A,B`, { field: 'where' });
    out[column] = values;
  }
  return out;
}

function oneOf<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UserError(`--${flag} must be ${allowed.join(', ')}; got '${text}'`, { field: flag });
  return text as T;
}

/** 0.07 as '7%' (not the '7.000000000000001%' of 0.07 * 100), 0.125 as '12.5%'. */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}

/** Fixed digits; a value they would show as 0 (errors of a series of 10⁻⁸ values) in exponent form, 3.2e-9. */
function fmt(x: number | null, digits: number): string {
  if (x === null) return 'n/a';
  const fixed = x.toFixed(digits);
  return x !== 0 && Number(fixed) === 0 ? x.toExponential(1) : fixed;
}

const FORECAST_OPTIONS = {
  models: { type: 'string' },
  horizon: { type: 'string' },
  season: { type: 'string' },
  'no-clip-spikes': { type: 'boolean' },
  train: { type: 'string' },
  every: { type: 'string' },
  'refit-every': { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  'no-timings': { type: 'boolean' },
  step: { type: 'string' },
  agg: { type: 'string' },
  'time-column': { type: 'string' },
  'value-column': { type: 'string' },
  where: { type: 'string', multiple: true },
  'skip-empty': { type: 'boolean' },
  'max-gap': { type: 'string' },
  duplicates: { type: 'string' },
  dst: { type: 'string' },
  resample: { type: 'string' },
  'resample-agg': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const forecastCommand: CliCommand = {
  name: 'forecast',
  summary: 'backtest forecasters on a demand series (MAE, RMSE, sMAPE, MASE, interval coverage)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const parsed = parseFlags(argv, FORECAST_OPTIONS, usage);
    const v = parsed.values;
    if (v.help === true) {
      io.out(usage);
      return 0;
    }
    if (parsed.positionals.length !== 1) throw new UserError(`expected exactly one SERIES.csv, got ${parsed.positionals.length}\n${usage}`);
    const file = path.resolve(io.cwd, parsed.positionals[0] as string);
    const models = listFlag((v.models as string | undefined) ?? DEFAULT_MODELS, 'models');
    if (models.length === 0) throw new UserError('--models is empty', { field: 'models' });
    models.forEach((m) => checkName(m));
    const horizon = num('horizon', v.horizon as string | undefined, 12, true, 1);
    const train = num('train', v.train as string | undefined, 0.8, false);
    if (!(train > 0 && train < 1)) throw new UserError(`--train expects the fraction of the series used for the first fit, above 0 and below 1, got '${String(v.train)}'`, { field: 'train' });
    const every = num('every', v.every as string | undefined, 12, true, 1);
    const refitEvery = num('refit-every', v['refit-every'] as string | undefined, 1, true, 1);
    const seed = num('seed', v.seed as string | undefined, 42, true);
    const givenSeason = v.season === undefined ? undefined : num('season', v.season as string, 1, true, 1);
    checkIgnoredFlags(v, models);

    const series = await loadSeries(file, v);
    const rep = series.repairs;
    if (rep.dstShifts !== undefined) io.err(`${series.name}: undid ${rep.dstShifts} daylight-saving clock change(s)\n`);
    if (rep.mergedRows !== undefined) io.err(`${series.name}: merged ${rep.mergedRows} row(s) with a duplicate timestamp (${String(v.duplicates)})\n`);
    if (rep.skippedRows?.where !== undefined) io.err(`${series.name}: left out ${rep.skippedRows.where} row(s) not matching --where\n`);
    if (rep.skippedRows?.emptyTime !== undefined) io.err(`${series.name}: left out ${rep.skippedRows.emptyTime} row(s) with an empty time (--skip-empty)\n`);
    if (rep.resampledRows !== undefined) io.err(`${series.name}: resampled ${rep.resampledRows} row(s) into ${series.values.length} ${series.calendarMonths === undefined ? `bins of ${series.step} s` : series.calendarMonths === 1 ? 'calendar months' : series.calendarMonths === 3 ? 'calendar quarters' : 'calendar years'}\n`);
    if (rep.filledPoints > 0) {
      io.err(`${series.name}: filled ${rep.filledPoints} missing point(s) in ${rep.gaps} gap(s) by linear interpolation\n`);
    }
    const trainPoints = trainLength(series.values.length, train);
    let season: number;
    if (givenSeason !== undefined) {
      season = givenSeason;
    } else {
      const head = series.values.slice(0, trainPoints);
      const detected = findSeason(head, { stepSeconds: series.step, ...(v['no-clip-spikes'] === true ? { despike: false } : {}) });
      if (detected === undefined) {
        if (trainPoints < 6) throw new UserError(`its training part (${percent(train)}) has only ${trainPoints} of its ${series.values.length} points, too few to find a season in or to backtest; give one with --season S and a longer series`, { file, field: 'season' });
        throw new UserError(`${noSeason(head, series)}; give one with --season S (steps per season), or --season 1 to forecast without a season`, { file, field: 'season' });
      }
      season = detected.season;
      io.err(`${series.name}: detected season ${season} steps (${spanText(season, series)}${howFound(detected)})\n`);
    }
    requireSeasons(trainPoints, season, { file, what: `the training part (${percent(train)}) of ${series.name}` });

    const results: BacktestResult[] = [];
    // The TF.js backend of the neural models (one per process): its float rounding changes their forecasts.
    let tfBackend: TfBackend | null = null;
    const progress = v.quiet === true ? undefined : new Progress(io.err, io.interactive);
    for (const [index, name] of models.entries()) {
      const model = createForecaster(name, {}, { season, horizon, seed });
      const r = await backtest(model, series.values, {
        train,
        horizon,
        every,
        season,
        refitEvery,
        ...(rep.filledSpans !== undefined ? { filled: rep.filledSpans } : {}),
        ...(progress !== undefined ? { onProgress: originProgress(progress, name, index, models.length) } : {}),
      }).catch((e: unknown) => {
        throw located(e, file, name, `the training part (${percent(train)}) of ${series.name} has ${trainPoints} points`);
      });
      results.push(r);
      if (model instanceof NeuralForecaster && model.backend !== undefined) tfBackend = model.backend;
    }
    progress?.done(`${models.length} model(s) backtested`);
    // Fit seconds are wall clock: shown by default, left out with --no-timings so the output is reproducible bytes.
    const timings = v['no-timings'] !== true;
    // The seed is part of the result when a model drew random numbers (mlp, lstm): with it the run can be repeated.
    const seeded = models.some((m) => usesSeed(checkName(m)));
    if (v.json === true) {
      io.out(
        JSON.stringify({
          series: series.name,
          points: series.values.length,
          season,
          horizon,
          origins: results[0]?.origins ?? 0,
          skippedOrigins: results[0]?.skippedOrigins ?? 0,
          unscoredPoints: results[0]?.unscoredPoints ?? 0,
          seed: seeded ? seed : null,
          tfBackend,
          results: results.map((r) => ({ model: r.model, mae: r.mae, rmse: r.rmse, smape: r.smape, mase: r.mase, coverage80: r.coverage80, coverage95: r.coverage95, winkler95: r.winkler95, ...(timings ? { fitSeconds: r.fitSeconds } : {}) })),
        }),
      );
      return 0;
    }
    const origins = results[0]?.origins ?? 0;
    const skipped = results[0]?.skippedOrigins ?? 0;
    const inGaps = skipped > 0 ? ` (${skipped} more skipped: their last point was interpolated from a later one)` : '';
    const unscored = results[0]?.unscoredPoints ?? 0;
    const notScored = unscored > 0 ? `, ${unscored} interpolated value(s) not scored` : '';
    io.out(`${series.name}: ${series.values.length} points, step ${series.calendarMonths === undefined ? `${series.step} s` : spanText(1, series)}, season ${season}, horizon ${horizon}, ${origins} origins${inGaps}${notScored} (train ${train}, every ${every}, refit every ${refitEvery}${seeded ? `, seed ${seed}` : ''}${tfBackend === null ? '' : `, TF.js backend ${tfBackend}`})`);
    const rows = results.map((r) => [r.model, fmt(r.mae, 4), fmt(r.rmse, 4), fmt(r.smape, 3), fmt(r.mase, 3), fmt(r.coverage80, 1), fmt(r.coverage95, 1), fmt(r.winkler95, 3), ...(timings ? [r.fitSeconds.toFixed(2)] : [])]);
    io.out(table(['model', 'MAE', 'RMSE', 'sMAPE %', 'MASE', 'cov80 %', 'cov95 %', 'Winkler95', ...(timings ? ['fit s'] : [])], rows));
    return 0;
  },
};

/**
 * Progress of model `index` (of `count`) at its origins: the bar's fraction is over all models
 * (each model one equal share), the detail the model's own origins.
 */
export function originProgress(progress: Progress, model: string, index: number, count: number): (done: number, total: number) => void {
  return (done, total) => progress.update(`model ${index + 1}/${count} ${model}`, (index + done / total) / count, `origin ${done}/${total}`);
}

/** `steps` steps of the series in hours, or in calendar months for a calendar-month series. */
function spanText(steps: number, series: { step: number; calendarMonths?: number }): string {
  if (series.calendarMonths === undefined) return `${((steps * series.step) / 3600).toFixed(2)} h`;
  const months = steps * series.calendarMonths;
  return `${months} calendar month${months === 1 ? '' : 's'}`;
}

/**
 * How the detected season was found, naming each lag with the series it is a peak of: the calendar
 * period next to the ACF's own peak (rule 5), on the spike-clipped series when that is where it
 * was found, and the clipped series' peak when the raw series' calendar period won over it.
 */
export function howFound(f: SeasonFinding): string {
  if (f.clippedLag !== undefined) {
    const raw = f.peak === f.season ? `the raw series' autocorrelation peak` : `the calendar period next to the raw series' autocorrelation peak at ${f.peak} steps`;
    return `, ${raw}; with its spikes clipped the series peaks at ${f.clippedLag} steps, not a calendar period`;
  }
  if (f.peak === f.season) return '';
  return `, the calendar period next to the autocorrelation peak at ${f.peak} steps${f.clipped ? ' of the series with its spikes clipped' : ''}`;
}

/**
 * Why no season was detected in the training part `head`: it is constant (no period to find), or
 * nothing qualified among the lags searched (detectSeason: up to half the part, at most 2016), said
 * in hours, since a daily season cannot show in less than two days of data.
 */
function noSeason(head: readonly number[], series: { step: number; calendarMonths?: number }): string {
  const first = head[0] as number;
  if (head.every((v) => v === first)) return `the training part (${head.length} points) is constant, every value ${first}: it has no seasonal period to detect`;
  const maxLag = Math.min(Math.floor(head.length / 2), 2016);
  return `no seasonal period detected in the training part (${head.length} points; periods up to ${maxLag} steps, ${spanText(maxLag, series)}, were searched)`;
}

/**
 * A UserError from the protocol or a model's fit (too short for the model, a season it cannot
 * use) carries no file: name the file, and the model and the flags to change when a model threw.
 */
function located(e: unknown, file: string, model: string, context: string): unknown {
  if (!isUserError(e) || e.location.file !== undefined) return e;
  const detail = e.detail.startsWith(model) ? e.detail : `${model}: ${e.detail}`;
  const field = e.location.field;
  // A model option (holt-winters-multiplicative on data with a 0: "use seasonal 'additive'") cannot be set here.
  if (field !== undefined && !(field in FORECAST_OPTIONS)) return new UserError(`${detail}; drs forecast sets no model option ('${field}' is one): leave ${model} out of --models`, { file, field: 'models' });
  if (field !== undefined) return new UserError(e.detail, { ...e.location, file });
  return new UserError(`${detail}; ${context}: give a longer series or a larger --train, or leave ${model} out of --models`, { file, field: 'models' });
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

