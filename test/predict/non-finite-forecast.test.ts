import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { forecastCommand } from '../../src/cli/forecast.js';
import type { CliIo } from '../../src/cli/command.js';
import { UserError } from '../../src/core/errors.js';
import { AutoForecaster, type AutoCandidate } from '../../src/predict/auto.js';
import { backtest } from '../../src/predict/backtest.js';
import type { Forecast, Forecaster } from '../../src/predict/types.js';
import type * as Registry from '../../src/predict/registry.js';

/*
 * A model whose forecast is not a finite number (NaN, ±Infinity) is the model failing on this
 * series: the backtest says so with the model and --models, and auto drops such a candidate
 * instead of ranking its NaN score by position.
 */

/** Forecasts `value` at every step (interval ±1 around it). */
function stub(name: string, value: number): Forecaster {
  return {
    name,
    fit: () => undefined,
    update: () => undefined,
    forecast: (h: number): Forecast => ({ point: new Array<number>(h).fill(value), interval: { level: 0.95, lower: new Array<number>(h).fill(value - 1), upper: new Array<number>(h).fill(value + 1) } }),
  };
}

const candidate = (name: string, value: number): AutoCandidate => ({ name, make: () => stub(name, value) });

// drs forecast builds its models through the registry: 'naive' is replaced by a NaN forecaster here.
vi.mock('../../src/predict/registry.js', async (importOriginal) => {
  const orig = await importOriginal<typeof Registry>();
  return { ...orig, createForecaster: (name: string, o?: unknown, c?: object) => (name === 'naive' ? stub('naive', Number.NaN) : orig.createForecaster(name, o, c)) };
});

const y = Array.from({ length: 100 }, (_, t) => 10 + (t % 4));

describe('backtest: a non-finite forecast', () => {
  it('is a UserError naming the model, origin and step, pointing at --models', async () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = await backtest(stub('nan-model', v), y, { season: 4, horizon: 4, every: 4 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).location).toEqual({ field: 'models' });
      expect((e as UserError).detail).toBe(`nan-model forecast ${v} (not a finite number) at origin 80, step 1: it cannot forecast this series; leave nan-model out of --models`);
    }
  });

  it('reaches drs forecast as a one-line error with the file, not a stack trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-non-finite-'));
    const file = path.join(dir, 's.csv');
    writeFileSync(file, 'timestamp,value\n' + y.map((v, i) => `${1_700_000_000 + 3600 * i},${v}`).join('\n') + '\n');
    const io: CliIo = { out: () => undefined, err: () => undefined, interactive: false, cwd: dir, env: {} };
    const e = await forecastCommand.run([file, '--season', '4', '--models', 'naive', '--quiet'], io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toBe(`${file}, field 'models': naive forecast NaN (not a finite number) at origin 80, step 1: it cannot forecast this series; leave naive out of --models`);
  });
});

describe('auto: a candidate with non-finite forecasts', () => {
  it('drops out, wherever it stands in the list (not ranked by position)', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const a = new AutoForecaster([candidate('bad', bad), candidate('good', 11)], { horizon: 4, combine: 1 });
      a.fit(y);
      expect(a.selected).toBe('good');
      expect(a.forecast(4).point).toEqual([11, 11, 11, 11]);
    }
  });

  it('is never combined with the others', () => {
    // First in the list, where a NaN score used to be ranked by position and a combination start
    // from it. Placed second, it only failed to improve the combination, so the test passed on the
    // code before the fix too.
    const a = new AutoForecaster([candidate('bad', Number.NaN), candidate('good', 11), candidate('other', 12)], { horizon: 4, combine: 3 });
    a.fit(y);
    expect(a.selected.split('+')).not.toContain('bad');
    expect(a.forecast(4).point.every(Number.isFinite)).toBe(true);
  });

  it('all of them non-finite: a UserError naming them', () => {
    const a = new AutoForecaster([candidate('n1', Number.NaN), candidate('n2', Number.NEGATIVE_INFINITY)], { horizon: 4 });
    const e = (() => {
      try {
        a.fit(y);
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).location).toEqual({ field: 'models' });
    expect((e as UserError).detail).toBe('auto: every candidate forecast values that are not finite numbers on the validation holdout (n1, n2); no model to choose');
  });
});

describe('backtest: a non-finite interval', () => {
  /** Finite points (10), an interval whose bounds are `bound` at step 2 of every origin. */
  const withBound = (bound: number): Forecaster => ({
    name: 'odd-interval',
    fit: () => undefined,
    forecast: (h: number, level = 0.95): Forecast => {
      const w = level === 0.95 ? 2 : 1;
      const lower = new Array<number>(h).fill(10 - w);
      const upper = new Array<number>(h).fill(10 + w);
      lower[1] = bound;
      upper[1] = bound;
      return { point: new Array<number>(h).fill(10), interval: { level, lower, upper } };
    },
  });

  it('counts as no interval (coverage and Winkler null, n/a), not as 0 % or NaN; the point metrics stand', async () => {
    for (const bound of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = await backtest(withBound(bound), y, { season: 4, horizon: 4, every: 4 });
      expect({ c80: r.coverage80, c95: r.coverage95, w: r.winkler95 }).toEqual({ c80: null, c95: null, w: null });
      // y = 10 + (t mod 4) at origins 80, 84, …, 96 (t mod 4 = 0 … 3): |error| 0, 1, 2, 3, MAE 1.5.
      expect(r.mae).toBe(1.5);
    }
  });
});
