/**
 * `drs forecast` with its defaults on series it was not tuned on (docs/forecasting.md, "On the NAB
 * corpus"). For each CSV: run `drs forecast FILE --json --no-timings`; when it stops with an error,
 * add the flag the error names and run again (a duplicate timestamp: --duplicates mean; a gap:
 * --max-gap N with the N it names; irregular sampling: --resample STEP; a clock going back:
 * --dst shift; no season detected: --season FALLBACK). One JSON per series goes to --out
 * (the flags tried, stderr, wall seconds per attempt, the result); a summary line per series
 * goes to stdout. Build first (npx tsc -p tsconfig.build.json): it runs bin/drs.js.
 *
 *   npx tsx bench/forecast/nab-forecast.ts --out /tmp/nab-out /tmp/nab/realAdExchange/*.csv
 *   npx tsx bench/forecast/nab-forecast.ts --out /tmp/nab-out --flags="--train 0.95" --fallback-season 288 /tmp/nab/realTweets/*.csv
 *
 * A series whose JSON already exists in --out is skipped, so a stopped run resumes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { die, intArg, numberArg } from '../usage.js';

const { values: o, positionals: files } = parseArgs({
  options: {
    out: { type: 'string' },
    flags: { type: 'string', default: '' },
    'fallback-season': { type: 'string', default: '1' },
    timeout: { type: 'string', default: '3600' },
  },
  allowPositionals: true,
  strict: true,
});
if (o.out === undefined) die('--out DIR is required (one JSON per series is written there)');
if (files.length === 0) die('name the CSV files to forecast');
const outDir = o.out;
const drs = path.resolve('bin/drs.js');
const extra = (o.flags ?? '').split(' ').filter((f) => f !== '');
const timeoutMs = numberArg('--timeout', o.timeout as string, 1) * 1000;
const fallback = String(intArg('--fallback-season', o['fallback-season'] as string, 1));
mkdirSync(outDir, { recursive: true });

/** The flags after this error: the one it names added, or undefined when none applies. */
function repair(message: string, flags: string[]): string[] | undefined {
  const gap = /gap of (\d+)/.exec(message);
  if (/duplicate timestamp/.test(message) && !flags.includes('--duplicates')) return [...flags, '--duplicates', 'mean'];
  if (gap !== null) {
    const at = flags.indexOf('--max-gap');
    return at >= 0 ? flags.map((f, i) => (i === at + 1 ? (gap[1] as string) : f)) : [...flags, '--max-gap', gap[1] as string];
  }
  if (/out of order/.test(message) && !flags.includes('--dst')) return [...flags, '--dst', 'shift'];
  if (/irregular sampling/.test(message) && !flags.includes('--resample')) {
    const step = /the step (\d+(?:\.\d+)?) s/.exec(message)?.[1] ?? '300';
    const d = flags.indexOf('--duplicates'); // --resample merges duplicates itself and refuses the flag
    return [...flags.filter((_, i) => d < 0 || (i !== d && i !== d + 1)), '--resample', step];
  }
  if (/no seasonal period/.test(message) && !flags.includes('--season') && !extra.includes('--season')) return [...flags, '--season', fallback];
  return undefined;
}

for (const file of files) {
  const name = path.basename(file, '.csv');
  const out = path.join(outDir, `${name}.json`);
  if (existsSync(out)) continue;
  let flags: string[] = [];
  const attempts: { flags: string[]; status: number | null; seconds: number; stderr: string[] }[] = [];
  let result: unknown;
  for (let i = 0; i < 12; i++) {
    const started = performance.now();
    const r = spawnSync('node', [drs, 'forecast', file, '--json', '--no-timings', ...extra, ...flags], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 26 });
    const stderr = r.stderr.split('\n').filter((l) => l !== '' && !/origin \d+\/\d+/.test(l));
    attempts.push({ flags: [...flags], status: r.status, seconds: (performance.now() - started) / 1000, stderr });
    if (r.status === 0) {
      result = JSON.parse(r.stdout);
      break;
    }
    const next = repair(stderr.join(' '), flags);
    if (next === undefined) break;
    flags = next;
  }
  writeFileSync(out, JSON.stringify({ file, extra, attempts, result }, null, 1));
  const last = attempts[attempts.length - 1];
  const seconds = attempts.reduce((a, x) => a + x.seconds, 0).toFixed(1);
  console.log(`${name}: ${result === undefined ? `failed: ${last?.stderr.join(' ').slice(0, 200)}` : `season ${(result as { season: number }).season}`}, ${seconds} s, flags: ${[...extra, ...flags].join(' ') || 'none'}`);
}
