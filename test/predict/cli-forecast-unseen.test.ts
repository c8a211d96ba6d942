import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastCommand } from '../../src/cli/forecast.js';
import type { CliIo } from '../../src/cli/command.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';

/*
 * drs forecast on series unlike the ones it was tuned on (NAB, monitoring exports): a series with
 * no season to detect must say why and what to give, and the forecasts it then makes must be sane.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'drs-forecast-unseen-'));

/** A 5-minute series (epoch seconds) of the given values, written under `dir`. */
function write(name: string, values: readonly number[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, 'timestamp,value\n' + values.map((v, i) => `${1_700_000_000 + 300 * i},${v}`).join('\n') + '\n');
  return file;
}

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s), interactive: false, cwd: dir, env: {} }, out, err };
}

async function refusal(args: string[]): Promise<UserError> {
  const e = await forecastCommand.run(args, capture().io).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('drs forecast: a series without a detectable season', () => {
  it('a constant series is named as constant, with --season 1 as the way on', async () => {
    const file = write('flat.csv', new Array<number>(600).fill(42));
    const e = await refusal([file, '--models', 'naive']);
    expect(e.location).toMatchObject({ file, field: 'season' });
    expect(e.detail).toBe('the training part (480 points) is constant, every value 42: it has no seasonal period to detect; give one with --season S (steps per season), or --season 1 to forecast without a season');
  });

  it('white noise: says how far it searched (in hours, from the step) and offers --season 1', async () => {
    const rng = new Rng(3);
    const file = write('noise.csv', Array.from({ length: 600 }, () => (50 + rng.normal(0, 5)).toFixed(3)).map(Number));
    const e = await refusal([file, '--models', 'naive']);
    expect(e.location).toMatchObject({ file, field: 'season' });
    expect(e.detail).toBe('no seasonal period detected in the training part (480 points; periods up to 240 steps, 20.00 h, were searched); give one with --season S (steps per season), or --season 1 to forecast without a season');
  });

  it('with --season 1 a constant series is forecast exactly, its intervals holding it', async () => {
    const file = write('flat1.csv', new Array<number>(600).fill(42));
    const { io, out } = capture();
    const code = await forecastCommand.run([file, '--season', '1', '--models', 'naive,seasonal-naive,ewma,holt-winters,regression,theta', '--json', '--no-timings'], io);
    expect(code).toBe(0);
    const r = (JSON.parse(out[0] as string) as { results: { model: string; mae: number; coverage80: number; coverage95: number }[] }).results;
    expect(r.map((x) => x.model)).toEqual(['naive', 'seasonal-naive', 'ewma', 'holt-winters', 'regression', 'theta']);
    for (const x of r) expect([x.model, x.mae, x.coverage80, x.coverage95]).toEqual([x.model, expect.closeTo(0, 9), 100, 100]);
  });
});

describe('drs forecast: the detected season', () => {
  it('is the whole day next to the autocorrelation peak, and stderr says so', async () => {
    // Four days of a 5-minute daily cycle with noise; the training part (3.2 days) peaks off 288.
    const rng = new Rng(1);
    const file = write('cpu.csv', Array.from({ length: 288 * 4 }, (_, t) => Number((35 + 25 * Math.sin((2 * Math.PI * t) / 288) + rng.normal(0, 3)).toFixed(3))));
    const { io, out, err } = capture();
    expect(await forecastCommand.run([file, '--models', 'seasonal-naive', '--json', '--no-timings'], io)).toBe(0);
    expect(JSON.parse(out[0] as string)).toMatchObject({ season: 288 });
    // Its noise has a few values 5 median distances off the running median: the peak is the clipped series'.
    expect(err.join('')).toMatch(/^cpu: detected season 288 steps \(24\.00 h, the calendar period next to the autocorrelation peak at \d+ steps of the series with its spikes clipped\)\n$/);
  });

  it('names the series each lag was found on when the raw series\' hour beats the clipped series\' lag', async () => {
    // A 10-step wave and a spike every 12 steps (one hour): the spikes hold most of Σ x², so the raw
    // series peaks at 12, an hour; clipped, they are small next to the wave and its ACF peaks at 60
    // (5 waves, 5 spikes). The hour wins (rule 0) but was said to be "next to the peak at 60 steps".
    const rng = new Rng(7);
    const file = write('hourly-spikes.csv', Array.from({ length: 600 }, (_, t) => Number((50 + 10 * Math.sin((2 * Math.PI * t) / 10) + (t % 12 === 0 ? 100 : 0) + rng.normal(0, 1)).toFixed(3))));
    const { io, out, err } = capture();
    expect(await forecastCommand.run([file, '--models', 'seasonal-naive', '--json', '--no-timings'], io)).toBe(0);
    expect(JSON.parse(out[0] as string)).toMatchObject({ season: 12 });
    expect(err.join('')).toBe('hourly-spikes: detected season 12 steps (1.00 h, the raw series\' autocorrelation peak; with its spikes clipped the series peaks at 60 steps, not a calendar period)\n');
  });
});

describe('drs forecast: a model refusing the data', () => {
  it('says so with the model and --models, not a model option the command line cannot set', async () => {
    // A daily cycle that touches 0: multiplicative seasonality needs strictly positive values.
    const file = write('zeros.csv', Array.from({ length: 24 * 10 }, (_, t) => Math.max(0, Math.round(10 * Math.sin((2 * Math.PI * t) / 24)))));
    const e = await refusal([file, '--season', '24', '--models', 'holt-winters-multiplicative']);
    expect(e.location).toMatchObject({ file, field: 'models' });
    expect(e.detail).toMatch(/^holt-winters-multiplicative: multiplicative seasonality needs strictly positive values, .*; drs forecast sets no model option \('seasonal' is one\): leave holt-winters-multiplicative out of --models$/);
  });
});

describe('drs forecast: a gap in the held-out part', () => {
  it('its interpolated values are not scored, and the table and --json say how many', async () => {
    // 288 hourly points, rows 240 and 241 missing (a 2-hour outage) after the first origin, 230:
    // its targets 230-241 hold them; origin 242 is skipped (its last point, 241, is filled).
    const rows = Array.from({ length: 288 }, (_, t) => t).filter((t) => t !== 240 && t !== 241);
    const file = path.join(dir, 'outage.csv');
    writeFileSync(file, 'timestamp,value\n' + rows.map((t) => `${1_700_000_000 + 3600 * t},${100 + 10 * Math.sin((2 * Math.PI * t) / 24) + (t % 5)}`).join('\n') + '\n');
    const json = capture();
    expect(await forecastCommand.run([file, '--season', '24', '--models', 'seasonal-naive', '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out[0] as string)).toMatchObject({ points: 288, origins: 3, skippedOrigins: 1, unscoredPoints: 2 });
    const text = capture();
    expect(await forecastCommand.run([file, '--season', '24', '--models', 'seasonal-naive'], text.io)).toBe(0);
    expect(text.out[0]).toContain('3 origins (1 more skipped: their last point was interpolated from a later one), 2 interpolated value(s) not scored (train');
  });
});

describe('drs forecast: a series of tiny values', () => {
  it('prints its errors in exponent form, not as 0.0000', async () => {
    // A daily cycle in units of 1e-9 (a rate in Gb per ns, say): its errors are ~1e-9.
    const file = write('tiny.csv', Array.from({ length: 24 * 12 }, (_, t) => (1 + 0.5 * Math.sin((2 * Math.PI * t) / 24) + 0.1 * ((t * 7) % 5)) * 1e-9));
    const { io, out } = capture();
    expect(await forecastCommand.run([file, '--season', '24', '--models', 'naive', '--no-timings'], io)).toBe(0);
    const row = (out[1] as string).split('\n').find((l) => l.startsWith('naive')) as string;
    const [, mae, rmse, , , , , winkler] = row.trim().split(/\s+/);
    for (const cell of [mae, rmse, winkler]) expect(cell).toMatch(/^[1-9]\.\de-(9|10|8)$/);
  });
});

