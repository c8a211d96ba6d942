import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateLublin99, lublin99Swf } from '../../src/traces/lublin99.js';
import { drs } from './helpers.js';

describe('drs generate-swf', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-gen-'));

  it('writes the model log (gzip for .gz) that drs replay-swf then reads', async () => {
    const out = path.join(dir, 'l.swf.gz');
    const r = await drs(['generate-swf', '--jobs', '1200', '--nodes', '128', '--seed', '4', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/1200 jobs over [\d.]+ days on 128 processors \(offered load [\d.]+\), seed 4/);
    const text = gunzipSync(readFileSync(out)).toString('utf8');
    const opts = { jobs: 1200, nodes: 128, seed: '4', typed: false, startHour: 0 };
    expect(text).toBe(lublin99Swf(generateLublin99(opts), opts));
    expect(text).toMatch(/^; MaxNodes: 128$/m);
    const replay = await drs(['replay-swf', out, '--policy', 'f1', '--start', '0', '--count', '1', '--json']);
    expect(replay.code).toBe(0);
    const parsed = JSON.parse(replay.out) as { windows: { start: number }[]; meanBoundedSlowdown: number };
    expect(parsed.windows).toHaveLength(1);
    expect(parsed.meanBoundedSlowdown).toBeGreaterThanOrEqual(1);
  });

  it('is deterministic for a seed, writes to standard output with --out -, and marks the classes with --typed', async () => {
    const a = await drs(['generate-swf', '--jobs', '50', '--seed', 'x', '--out', '-']);
    const b = await drs(['generate-swf', '--jobs', '50', '--seed', 'x', '--out', '-']);
    expect(a.out).toBe(b.out);
    expect(a.out.split('\n').filter((l) => l !== '' && !l.startsWith(';'))).toHaveLength(50);
    // An integer seed is read as a scenario file reads one: 07, +7 and 7.0 are seed 7 (the same
    // log, and the same note of the command that redraws it); a word stays the word.
    const seven = await drs(['generate-swf', '--jobs', '50', '--seed', '7', '--out', '-']);
    for (const written of ['07', '+7', '7.0']) expect((await drs(['generate-swf', '--jobs', '50', '--seed', written, '--out', '-'])).out, written).toBe(seven.out);
    expect(seven.out).toContain('; Note: drs generate-swf --model lublin99 --jobs 50 --nodes 256 --seed 7\n');
    expect(seven.out).not.toBe(a.out);
    const word = await drs(['generate-swf', '--jobs', '50', '--seed', '7.5', '--out', '-']);
    expect(word.out).toContain('--seed 7.5\n');
    expect(word.out).not.toBe(seven.out);
    const typed = await drs(['generate-swf', '--jobs', '400', '--typed', '--out', '-']);
    const queues = new Set(typed.out.split('\n').filter((l) => l !== '' && !l.startsWith(';')).map((l) => l.trim().split(/\s+/)[14]));
    expect(queues).toEqual(new Set(['0', '1']));
  });

  it.each([
    [['--jobs', '10'], /missing --out FILE/],
    [['--out', '-', '--nodes', '8'], /field 'nodes'.*machine of 10 to 16777216 nodes.*got 8/],
    [['--out', '-', '--nodes', '16', '--typed'], /field 'nodes'.*machine of 32 to 16777216 nodes.*two classes need 32/],
    [['--out', '-', '--nodes', '1e25'], /--nodes expects an integer ≥ 1 and at most 9007199254740991 \(beyond, it would be rounded\), got '1e25'/],
    [['--out', '-', '--nodes', '0'], /--nodes expects an integer ≥ 1, got '0'/],
    [['--out', '-', '--jobs', '6000000'], /field 'jobs'.*at most 5000000.*got 6000000/],
    [['--out', '-', '--jobs', 'many'], /--jobs expects an integer ≥ 1, got 'many'/],
    [['--out', '-', '--start-hour', '30'], /field 'start-hour'.*\[0, 24\)/],
    [['--out', '-', '--start-hour=-1'], /--start-hour expects a number ≥ 0, got '-1'/],
    [['--out', '-', '--model', 'feitelson96'], /unknown --model 'feitelson96' \(known: lublin99\)/],
    [['--out', '-', '--job', '5'], /Unknown option '--job' \(did you mean --jobs\?\); see drs generate-swf --help/],
    [['log.swf', '--out', '-'], /takes no file argument/],
    [['--out', '-', '--seed', ''], /field 'seed'.*--seed must be a non-empty word without spaces.*got ''/],
    [['--out', '-', '--seed', 'a b'], /field 'seed'.*got 'a b'/],
    // Refused before the log is drawn (5,000,000 jobs took a minute, then failed to write).
    [['--out', '/nonexistent-dir/x.swf'], /^drs generate-swf: --out \/nonexistent-dir\/x.swf: folder \/nonexistent-dir does not exist\n$/],
    [['--out', '/tmp', '--jobs', '5000000'], /^drs generate-swf: --out \/tmp: is a folder; give a file name\n$/],
  ])('refuses %j with a one-line message and exit 2', async (argv, message) => {
    const r = await drs(['generate-swf', ...argv]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
