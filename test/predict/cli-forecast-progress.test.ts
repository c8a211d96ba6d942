import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forecastCommand, originProgress } from '../../src/cli/forecast.js';
import type { CliIo } from '../../src/cli/command.js';
import { Progress } from '../../src/report/progress.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-forecast-progress-'));
writeFileSync(
  path.join(dir, 'demand.csv'),
  'timestamp,value\n' + Array.from({ length: 24 * 12 }, (_, t) => `${new Date(Date.UTC(2024, 0, 1) + t * 3600_000).toISOString()},${(100 + 20 * Math.sin((2 * Math.PI * t) / 24) + (t % 5)).toFixed(3)}`).join('\n') + '\n',
);

function capture(interactive = false): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s), interactive, cwd: dir, env: {} }, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('drs forecast progress', () => {
  it('in a log: nothing in the first second, then a line at most every 5 s per model and origin, closed by a summary', () => {
    let t = 0;
    const shown: string[] = [];
    const p = new Progress((s) => shown.push(s), false, () => t);
    const naive = originProgress(p, 'naive', 0, 2);
    const auto = originProgress(p, 'auto', 1, 2);
    naive(1, 4); // under a second: nothing
    t = 1200;
    naive(2, 4);
    t = 4000;
    naive(4, 4); // within 5 s of the last line: nothing
    t = 6300;
    auto(1, 4);
    t = 9000;
    p.done('2 model(s) backtested');
    expect(shown).toEqual([
      'model 1/2 naive [######..................] 25% origin 2/4 (1s)\n',
      'model 2/2 auto [###############.........] 63% origin 1/4 (6s)\n',
      '2 model(s) backtested (9s)\n',
    ]);
  });

  it('a run past a second shows progress on stderr; --quiet shows none and prints the same result', async () => {
    // A clock that runs 400 ms at every reading: the backtest "takes" many seconds.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 400));
    const args = ['demand.csv', '--models', 'naive,seasonal-naive', '--season', '24', '--train', '0.5', '--every', '6', '--no-timings'];
    const loud = capture();
    expect(await forecastCommand.run(args, loud.io)).toBe(0);
    const lines = loud.err.join('').split('\n').filter((l) => l !== '');
    expect(lines.some((l) => /^model 1\/2 naive \[[#.]{24}\] \d+% origin \d+\/23 \(\d+s\)$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('model 2/2 seasonal-naive ['))).toBe(true);
    expect(lines.at(-1)).toMatch(/^2 model\(s\) backtested \(\d+s\)$/);
    const quiet = capture();
    expect(await forecastCommand.run([...args, '--quiet'], quiet.io)).toBe(0);
    expect(quiet.err).toEqual([]);
    expect(quiet.out).toEqual(loud.out);
  });

  it('on a terminal the bar is redrawn in place and cleared at the end', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 400));
    const tty = capture(true);
    await forecastCommand.run(['demand.csv', '--models', 'naive', '--season', '24', '--train', '0.5', '--every', '6', '--json'], tty.io);
    expect(tty.err.length).toBeGreaterThan(1);
    for (const s of tty.err) expect(s.startsWith('\r\x1b[2K')).toBe(true);
    expect(tty.err.at(-1)).toBe('\r\x1b[2K');
  });
});
