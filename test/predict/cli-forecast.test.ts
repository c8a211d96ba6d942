import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastCommand } from '../../src/cli/forecast.js';
import type { CliIo } from '../../src/cli/command.js';
import { UserError } from '../../src/core/errors.js';
import { loadTf } from '../../src/predict/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-cli-forecast-'));
const series = path.join(dir, 'demand.csv');
writeFileSync(
  series,
  'timestamp,value\n' +
    Array.from({ length: 24 * 12 }, (_, t) => `${new Date(Date.UTC(2024, 0, 1) + t * 3600_000).toISOString()},${(100 + 20 * Math.sin((2 * Math.PI * t) / 24) + (t % 5)).toFixed(3)}`).join('\n') +
    '\n',
);

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s), interactive: false, cwd: dir, env: {} }, out, err };
}

describe('drs forecast', () => {
  it('--json prints exactly one object with the documented keys', async () => {
    const { io, out } = capture();
    const code = await forecastCommand.run(['demand.csv', '--models', 'naive,seasonal-naive,holt-winters', '--season', '24', '--json'], io);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const obj = JSON.parse(out[0] as string) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['series', 'points', 'season', 'horizon', 'origins', 'skippedOrigins', 'unscoredPoints', 'seed', 'tfBackend', 'results']);
    expect(obj).toMatchObject({ series: 'demand', points: 288, season: 24, horizon: 12, origins: 4, skippedOrigins: 0, unscoredPoints: 0, seed: null, tfBackend: null });
    const results = obj.results as Record<string, unknown>[];
    expect(results.map((r) => r.model)).toEqual(['naive', 'seasonal-naive', 'holt-winters']);
    for (const r of results) expect(Object.keys(r)).toEqual(['model', 'mae', 'rmse', 'smape', 'mase', 'coverage80', 'coverage95', 'winkler95', 'fitSeconds']);
    for (const r of results) {
      expect(r.coverage95 as number).toBeGreaterThanOrEqual(r.coverage80 as number);
      expect(r.winkler95 as number).toBeGreaterThan(0);
    }
    const byName = Object.fromEntries(results.map((r) => [r.model, r.smape as number]));
    expect(byName['holt-winters']).toBeLessThanOrEqual((byName.naive as number) + 1e-9);
  });

  it('skips an origin whose last point was interpolated from a later one (it would forecast with the future in hand)', async () => {
    // 288 hourly points with rows 229-231 missing: the gap is filled from row 232, after origin 230.
    const lines = ['timestamp,value', ...Array.from({ length: 288 }, (_, t) => (t >= 229 && t <= 231 ? '' : `${new Date(Date.UTC(2024, 0, 1) + t * 3600_000).toISOString()},${100 + (t % 24)}`))].filter((l) => l !== '');
    writeFileSync(path.join(dir, 'gappy.csv'), `${lines.join('\n')}\n`);
    const { io, out, err } = capture();
    // train 0.8 → origins 230, 242, 254, 266 (every 12): 230's last point (229) is filled.
    expect(await forecastCommand.run(['gappy.csv', '--models', 'naive', '--season', '24', '--json'], io)).toBe(0);
    expect(err.join('')).toContain('filled 3 missing point(s) in 1 gap(s)');
    expect(JSON.parse(out[0] as string)).toMatchObject({ points: 288, origins: 3, skippedOrigins: 1 });
    const table = capture();
    expect(await forecastCommand.run(['gappy.csv', '--models', 'naive', '--season', '24'], table.io)).toBe(0);
    expect(table.out[0]).toContain('3 origins (1 more skipped: their last point was interpolated from a later one)');
    // With --every 1 (origins 230-276) the skipped are 230, 231 and 232 (last points 229-231 filled);
    // 233, whose last point is the real row 232, is kept.
    const every1 = capture();
    expect(await forecastCommand.run(['gappy.csv', '--models', 'naive', '--season', '24', '--every', '1', '--json'], every1.io)).toBe(0);
    expect(JSON.parse(every1.out[0] as string)).toMatchObject({ origins: 47 - 3, skippedOrigins: 3 });
    // Only origin 230 on the grid, and it is in the gap: an error that says so, not an empty table.
    const none = capture();
    await expect(forecastCommand.run(['gappy.csv', '--models', 'naive', '--season', '24', '--every', '100'], none.io)).rejects.toThrow(
      /every one of the 1 forecast origins falls in an interpolated gap \(its last point was filled from a later one\); lower --every or --max-gap/,
    );
  });

  it('records the seed of a run whose models draw random numbers (--json and the table)', async () => {
    const json = capture();
    expect(await forecastCommand.run(['demand.csv', '--models', 'naive,mlp', '--season', '24', '--refit-every', '100', '--seed', '7', '--json'], json.io)).toBe(0);
    // With the TF.js backend that fitted the network: its float rounding changes the forecasts.
    const { backend } = await loadTf();
    expect(JSON.parse(json.out[0] as string)).toMatchObject({ season: 24, horizon: 12, seed: 7, tfBackend: backend });
    const table = capture();
    expect(await forecastCommand.run(['demand.csv', '--models', 'mlp', '--season', '24', '--refit-every', '100'], table.io)).toBe(0);
    expect(table.out[0]).toMatch(new RegExp(`refit every 100, seed 42, TF\\.js backend ${backend}\\)$`));
  }, 60_000);

  it('prints a table and detects the season when not given', async () => {
    const { io, out, err } = capture();
    expect(await forecastCommand.run([series, '--models', 'seasonal-naive,regression'], io)).toBe(0);
    expect(err.join('\n')).toMatch(/detected season 24 steps/);
    expect(out.join('\n')).toMatch(/model\s+MAE\s+RMSE\s+sMAPE %\s+MASE\s+cov80 %\s+cov95 %\s+Winkler95\s+fit s/);
    expect(out.join('\n')).toMatch(/regression/);
  });

  it('a model too short for the training part, or a horizon longer than the series, names the file and the flag', async () => {
    const { io } = capture();
    // 288 hourly points, 80 % = 230 for training: double-seasonal needs two weeks (2 × 168 points).
    const tooShort = forecastCommand.run([series, '--models', 'naive,double-seasonal', '--season', '24'], io);
    await expect(tooShort).rejects.toMatchObject({ location: { file: series, field: 'models' } });
    await expect(tooShort).rejects.toThrow(/double-seasonal needs at least 336 points .*got 230; the training part \(80%\) of demand has 230 points: .*leave double-seasonal out of --models/);
    const longHorizon = forecastCommand.run([series, '--models', 'naive', '--season', '24', '--horizon', '300'], io);
    await expect(longHorizon).rejects.toMatchObject({ location: { file: series, field: 'horizon' } });
    await expect(longHorizon).rejects.toThrow(/series of 288 points leaves 58 after the first 80% \(230 points\), fewer than one 300-step forecast; lower --horizon below 288$/);
    // 0.57 · 100 is 56.99999999999999 in floating point; the fraction is printed as given.
    const pastTrain = forecastCommand.run([series, '--models', 'naive', '--season', '24', '--train', '0.57', '--horizon', '200'], io);
    await expect(pastTrain).rejects.toMatchObject({ location: { file: series, field: 'train' } });
    await expect(pastTrain).rejects.toThrow(/leaves 124 after the first 57% \(164 points\), fewer than one 200-step forecast; lower --horizon to at most 124 or --train$/);
  });

  it('user mistakes are UserErrors with a clear message', async () => {
    const { io } = capture();
    await expect(forecastCommand.run([series, '--models', 'naive,prophet'], io)).rejects.toThrow(/unknown model 'prophet'; valid models:/);
    await expect(forecastCommand.run([series, '--bogus'], io)).rejects.toThrow(UserError);
    await expect(forecastCommand.run([series, '--horizon', 'x'], io)).rejects.toThrow(/--horizon expects an integer/);
    await expect(forecastCommand.run([series, '--season', '200'], io)).rejects.toThrow(/fewer than two seasons/);
    await expect(forecastCommand.run([], io)).rejects.toThrow(/exactly one SERIES\.csv/);
  });

  it('refuses flags that would be ignored or make no sense, before reading the file; a too-short series names its file', async () => {
    const { io } = capture();
    const refused = async (args: string[], why: RegExp): Promise<void> => {
      // 'absent.csv' does not exist: each refusal comes before the file is read.
      await expect(forecastCommand.run(['absent.csv', ...args], io)).rejects.toThrow(why);
    };
    await refused(['--train', '0'], /--train expects the fraction of the series used for the first fit, above 0 and below 1, got '0'/);
    await refused(['--train', '1'], /above 0 and below 1, got '1'/);
    await refused(['--train', '-0.1'], /above 0 and below 1, got '-0.1'/); // a negative value is read as the value
    await refused(['--horizon', '0'], /--horizon expects an integer ≥ 1, got '0'/);
    await refused(['--every', '-2'], /--every expects an integer ≥ 1, got '-2'/);
    await refused(['--season', '0'], /--season expects an integer ≥ 1, got '0'/);
    await refused(['--max-gap', '-1'], /^field 'max-gap': --max-gap expects an integer ≥ 0, got '-1'$/);
    await refused(['--max-gap', '1.5'], /^field 'max-gap': --max-gap expects an integer ≥ 0, got '1\.5'$/);
    await refused(['--agg', 'count'], /--agg aggregates an event log and needs --step SECONDS/);
    await refused(['--step', '60', '--dst', 'shift'], /--dst repairs a timestamp,value series and does not apply with --step/);
    const short = path.join(dir, 'short.csv');
    writeFileSync(short, 'timestamp,value\n0,1\n3600,2\n7200,3\n10800,4\n');
    const e = await forecastCommand.run([short], io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).location).toMatchObject({ file: short, field: 'season' });
    expect((e as Error).message).toMatch(/its training part \(80%\) has only 3 of its 4 points, too few to find a season in or to backtest/);
  });

  it('refuses a flag that the reading or the models would ignore, saying why, before reading the file', async () => {
    const { io } = capture();
    const run = (args: string[]): Promise<unknown> => forecastCommand.run(['absent.csv', ...args], io).catch((e: unknown) => e);
    const refusal = async (args: string[]): Promise<string> => {
      const e = await run(args);
      expect(e).toBeInstanceOf(UserError);
      return (e as UserError).message;
    };
    expect(await refusal(['--step', '300', '--agg', 'count', '--value-column', 'nosuch'])).toBe(
      "field 'value-column': --value-column names the column summed or averaged; with --agg count the events are only counted, no value is read",
    );
    expect(await refusal(['--step', '60', '--max-gap', '3'])).toBe("field 'max-gap': --max-gap fills empty bins of --agg mean; with --agg sum an empty bin is 0 (no events), nothing is interpolated");
    expect(await refusal(['--step', '60', '--agg', 'count', '--max-gap', '3'])).toMatch(/with --agg count an empty bin is 0/);
    expect(await refusal(['--resample', '60', '--duplicates', 'mean'])).toBe(
      "field 'duplicates': --duplicates does not apply with --resample: rows sharing a bin, duplicates included, are combined by --resample-agg",
    );
    expect(await refusal(['--seed', '7', '--models', 'naive,holt-winters'])).toBe("field 'seed': --seed seeds the models that draw random numbers (mlp, lstm), and --models has none of them");
    // The same flags where they are used pass the check and reach the (missing) file.
    for (const used of [
      ['--step', '60', '--agg', 'mean', '--max-gap', '3', '--value-column', 'v'],
      ['--step', '60', '--value-column', 'v'],
      ['--resample', '60', '--dst', 'shift'],
      ['--seed', '7', '--models', 'naive,mlp'],
    ]) {
      expect(await refusal(used)).toMatch(/absent\.csv: series file not found$/);
    }
  });

  it('repairs are off by default and applied when asked for', async () => {
    const glitchy = path.join(dir, 'glitchy.csv');
    const rows = Array.from({ length: 24 * 6 }, (_, t) => `${3600 * t},${(100 + 20 * Math.sin((2 * Math.PI * t) / 24)).toFixed(3)}`);
    rows.splice(50, 0, `${3600 * 49},0`); // a repeated timestamp
    writeFileSync(glitchy, 'timestamp,value\n' + rows.join('\n') + '\n');
    const a = capture();
    await expect(forecastCommand.run([glitchy, '--models', 'naive', '--season', '24'], a.io)).rejects.toThrow(/duplicate timestamp.*--duplicates mean\|first\|last/);
    const b = capture();
    expect(await forecastCommand.run([glitchy, '--models', 'naive', '--season', '24', '--duplicates', 'first', '--json'], b.io)).toBe(0);
    expect(b.err.join('')).toMatch(/merged 1 row\(s\) with a duplicate timestamp \(first\)/);
    expect((JSON.parse(b.out[0] as string) as { points: number }).points).toBe(24 * 6);
    const c = capture();
    await expect(forecastCommand.run([glitchy, '--duplicates', 'median'], c.io)).rejects.toThrow(/--duplicates must be mean, first, last; got 'median'/);
    await expect(forecastCommand.run([glitchy, '--resample=-5'], c.io)).rejects.toThrow(/--resample expects a positive number/);
    await expect(forecastCommand.run([glitchy, '--resample-agg', 'sum'], c.io)).rejects.toThrow(/--resample-agg needs --resample/);
    await expect(forecastCommand.run([glitchy, '--resample', 'weekly'], c.io)).rejects.toThrow("--resample expects a positive number of seconds, or month, quarter or year; got 'weekly'");
    await expect(forecastCommand.run([glitchy, '--where', 'role=HN'], c.io)).rejects.toThrow(/--where aggregates an event log and needs --step SECONDS/);
    await expect(forecastCommand.run([glitchy, '--step', '60', '--where', 'role'], c.io)).rejects.toThrow("--where expects COLUMN=VALUE[,VALUE...], got 'role'");
    await expect(forecastCommand.run([glitchy, '--step', '60', '--where', 'role=A', '--where', 'role=B'], c.io)).rejects.toThrow("--where names column 'role' twice; list its values once: role=A,B");
  });

  it('--resample month aggregates daily rows into calendar months and backtests them as a monthly series', async () => {
    // Four years of daily rows, each day worth 10 + (month number): a month's sum is days × (10 + m).
    const daily = path.join(dir, 'daily.csv');
    const rows: string[] = [];
    for (let t = Date.UTC(2020, 0, 1); t < Date.UTC(2024, 0, 1); t += 86_400_000) rows.push(`${new Date(t).toISOString().slice(0, 10)},${10 + new Date(t).getUTCMonth()}`);
    writeFileSync(daily, 'timestamp,value\n' + rows.join('\n') + '\n');
    const m = capture();
    expect(await forecastCommand.run([daily, '--resample', 'month', '--resample-agg', 'sum', '--models', 'seasonal-naive', '--season', '12', '--horizon', '6', '--every', '1', '--json', '--no-timings'], m.io)).toBe(0);
    expect(m.err.join('')).toContain('daily: resampled 1461 row(s) into 48 calendar months');
    const out = JSON.parse(m.out[0] as string) as { points: number };
    expect(out.points).toBe(48);
    // Every month equals the same month a year before except February 2020 (29 days) against 2021 (28), which is in no test year: no error.
    expect(JSON.stringify(out)).toMatch(/"seasonal-naive".*?"mae":0[,}]/);
  });

  it('prints the training fraction as a plain percentage', async () => {
    const { io } = capture();
    // 0.07 * 100 is 7.000000000000001 in floating point.
    await expect(forecastCommand.run([series, '--train', '0.07', '--season', '24'], io)).rejects.toThrow(
      `${series}, field 'season': the training part (7%) of demand has 20 points, fewer than two seasons of 24 steps (48); give a smaller --season or a longer series`,
    );
    await expect(forecastCommand.run([series, '--train', '0.125', '--season', '24'], io)).rejects.toThrow(/the training part \(12\.5%\) of demand has 36 points/);
    // 0.7 · 90 = 63 points (62.99999999999999 in floating point): the same count as the backtest's first origin.
    const ninety = path.join(dir, 'ninety.csv');
    writeFileSync(ninety, `timestamp,value\n${Array.from({ length: 90 }, (_, t) => `${3600 * t},${t % 24}`).join('\n')}\n`);
    await expect(forecastCommand.run([ninety, '--train', '0.7', '--season', '32'], io)).rejects.toThrow(/the training part \(70%\) of ninety has 63 points, fewer than two seasons of 32 steps/);
  });

  it('--help prints the usage', async () => {
    const { io, out } = capture();
    expect(await forecastCommand.run(['--help'], io)).toBe(0);
    expect(out.join('')).toMatch(/drs forecast SERIES\.csv/);
  });
});
