import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastCommand } from '../../src/cli/forecast.js';
import type { CliIo } from '../../src/cli/command.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';

// Season detection clips spikes first (season.ts, step 0). Where the spikes are real demand (a
// batch every 10 hours on top of a daily cycle), the user can ask for the raw series' season with
// --no-clip-spikes; the default stays the clipped rule.

const dir = mkdtempSync(path.join(tmpdir(), 'drs-cli-forecast-spikes-'));
/** 20 days of hourly demand: a daily wave, noise, and a batch of 100 every 10 hours. */
const batches = path.join(dir, 'batches.csv');
const rng = new Rng(3);
writeFileSync(
  batches,
  'timestamp,value\n' +
    Array.from({ length: 480 }, (_, t) => `${3600 * t},${(50 + 10 * Math.sin((2 * Math.PI * t) / 24) + (t % 10 === 0 ? 100 : 0) + rng.normal(0, 1)).toFixed(3)}`).join('\n') +
    '\n',
);

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s), interactive: false, cwd: dir, env: {} }, out, err };
}

async function run(args: string[]): Promise<{ season: number; mae: number; err: string }> {
  const c = capture();
  expect(await forecastCommand.run([batches, '--models', 'seasonal-naive', '--json', '--no-timings', '--quiet', ...args], c.io)).toBe(0);
  const obj = JSON.parse(c.out[0] as string) as { season: number; results: { mae: number }[] };
  return { season: obj.season, mae: (obj.results[0] as { mae: number }).mae, err: c.err.join('') };
}

describe('drs forecast --no-clip-spikes', () => {
  it('by default the spikes are clipped before detection: the daily wave, 24', async () => {
    const r = await run([]);
    expect(r.season).toBe(24);
    expect(r.err).toContain('batches: detected season 24 steps (24.00 h)');
  });

  it('with --no-clip-spikes the raw series is asked: the 10-hour batches, and they are forecast', async () => {
    const clipped = await run([]);
    const raw = await run(['--no-clip-spikes']);
    expect(raw.season).toBe(10);
    expect(raw.err).toContain('batches: detected season 10 steps (10.00 h)');
    // With 24, seasonal naive misses every batch by 100 and puts a false one 24 h after each: about
    // 2 · 100 / 10 = 20 of MAE. With 10 the batches land right and only the wave is 10 h off:
    // 10 · |sin(2π (t − 10) / 24) − sin(2π t / 24)| averages 20 sin(10π / 24) · 2/π ≈ 12.3, plus noise.
    expect(clipped.mae).toBeGreaterThan(19);
    expect(raw.mae).toBeGreaterThan(12);
    expect(raw.mae).toBeLessThan(15);
  });

  it('is refused with --season (nothing is detected), before the file is read', async () => {
    const e = await forecastCommand.run(['absent.csv', '--season', '24', '--no-clip-spikes'], capture().io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toBe("field 'no-clip-spikes': --no-clip-spikes changes how the season is detected; with --season S nothing is detected");
  });
});
