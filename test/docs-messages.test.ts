import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { drs, ROOT } from './cli/helpers.js';

/*
 * The docs quote error messages whole (`jobs.csv:4, field 't': ...`) so that a user can search
 * for the line they got. A quote that was the whole message when written but has since grown (a
 * new option named in the hint) reads as the complete text and is not: each case below makes the
 * error on files shaped like the doc's example and checks that the doc quotes the message the
 * command prints now, whole (between backticks, or as the doc's console line).
 */

const doc = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** Fails naming the quote the doc lacks (not with the whole doc as the diff). */
function expectQuoted(file: string, quote: string, text = doc(file)): void {
  expect(text.includes(quote), `${file} should quote, as printed now:\n${quote}`).toBe(true);
}

/** A fresh folder holding `files`; returns its path. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-docmsg-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The one stderr line of a refused command, without the `drs COMMAND: ` prefix and the folder. */
async function refusal(argv: string[], dir: string): Promise<string> {
  const r = await drs(argv, {}, dir);
  expect(r.code).toBe(2);
  const line = r.err.trim().split('\n')[0] as string;
  return line.replace(/^drs [a-z-]+: /, '').split(`${dir}${path.sep}`).join('');
}

const CSV_SCENARIO = (idColumn: string, file: string): string => `name: csv-messages
pools:
  - { name: p, capacity: { cpu: 8, memory: 32Gi }, nodes: 2, pricePerHour: 1 }
trace:
  kind: csv
  file: ./${file}
  columns: { id: ${idColumn}, arrival: t, duration: d, demand: { cpu: cpu_milli } }
strategies: [first-fit]
`;

describe('error messages the docs quote are the ones printed', () => {
  it.each([
    ['an arrival earlier than the record before it', 'id,t,d,cpu_milli\na,0,5,1\nb,10,5,1\nc,4,5,1\n'],
    ['a value that is not a number', 'id,t,d,cpu_milli\na,0,5,1\nb,10,5,lots\n'],
    ['a row with more cells than the header', 'id,t,d,cpu_milli\na,0,5,1\nb,10,5,1,7\n'],
  ])('docs/traces.md, shared rules: %s', async (_what, csv) => {
    const dir = folder({ 'jobs.csv': csv, 's.yaml': CSV_SCENARIO('id', 'jobs.csv') });
    const msg = await refusal(['validate', '--full', 's.yaml'], dir);
    expect(msg.startsWith('jobs.csv:')).toBe(true);
    expectQuoted('docs/traces.md', `\`${msg}\``);
  });

  it('docs/traces.md, shared rules: a request id replayed twice', async () => {
    const dir = folder({ 'pods.csv': 'name,t,d,cpu_milli\np0,0,5,1\nb,10,5,1\np0,11,5,1\n', 's.yaml': CSV_SCENARIO('name', 'pods.csv') });
    const msg = await refusal(['validate', '--full', 's.yaml'], dir);
    expectQuoted('docs/traces.md', `\`${msg}\``);
  });

  it("docs/scenarios.md: the console example, and the 'did you mean' key", async () => {
    const bad = CSV_SCENARIO('id', 'jobs.csv').replace('nodes: 2', 'nodes: { min: 5, initial: 3 }');
    const dir = folder({ 'bad.yaml': bad, 'typo.yaml': `${CSV_SCENARIO('id', 'jobs.csv').replace('[first-fit]', '[{ name: first-fit, preemtion: true }]')}`, 'jobs.csv': 'id,t,d,cpu_milli\na,0,5,1\n' });
    const shown = (await refusal(['validate', 'bad.yaml'], dir)).replace(/^bad\.yaml/, '/home/me/work/bad.yaml');
    expectQuoted('docs/scenarios.md', `~/work$ drs validate bad.yaml\ndrs validate: ${shown}\n`);
    const typo = await refusal(['validate', 'typo.yaml'], dir);
    expectQuoted('docs/scenarios.md', `\`${typo.slice(typo.indexOf('field '))}\``);
  });

  it('docs/sweeps.md: a path the scenario lacks, and a value of the wrong type', async () => {
    // The default scenario (3 pools, a synthetic arrival rate); the doc's lines: the axis on 7, the value on 9.
    const head = `scenario: ${path.join(ROOT, 'scenarios/default.yaml')}\nstrategies: [first-fit]\nseeds: 2\nset:\n  horizon: 10m\naxes:\n`;
    const dir = folder({ 'sweep.yaml': `${head}  pools[7].nodes: [3, 6]\n`, 'value.yaml': `${head}  pools[0].nodes: [2, 3]\n  # a rate is a number\n  trace.arrival.rate: [fast]\n` });
    const missing = await refusal(['sweep', 'sweep.yaml', '--workers', '0', '--quiet'], dir);
    expectQuoted('docs/sweeps.md', `\`${missing}\``);
    const value = (await refusal(['sweep', 'value.yaml', '--workers', '0', '--quiet'], dir)).replace(/^value\.yaml/, 'sweep.yaml');
    expectQuoted('docs/sweeps.md', `\`${value}\``, doc('docs/sweeps.md').replace(/\n\s*/g, ' '));
  });
});

describe('docs/forecasting.md: what drs forecast prints, quoted', () => {
  const forecasting = (): string => doc('docs/forecasting.md').replace(/\n\s*/g, ' ');

  it('the detected season next to a flat autocorrelation peak (three noisy 5-minute days, seed 1: peak 285)', async () => {
    // The seeded days of test/predict/season-regression.test.ts; the training part (80 %) is the first three days.
    const rng = new Rng(1);
    const rows = Array.from({ length: 1080 }, (_, t) => `${300 * t},${35 + 25 * Math.sin((2 * Math.PI * t) / 288) + rng.normal(0, 3)}`);
    const dir = folder({ 'cpu.csv': `timestamp,value\n${rows.join('\n')}\n` });
    const r = await drs(['forecast', 'cpu.csv', '--models', 'naive', '--quiet', '--json'], {}, dir);
    expect(r.code).toBe(0);
    const line = r.err.trim().split('\n')[0] as string;
    expect(line).toMatch(/^cpu: detected season 288 steps \(24\.00 h, .*285 steps/);
    expectQuoted('docs/forecasting.md', `"${line.replace(/^cpu: /, '')}"`, forecasting());
  });

  it('the bad-input table: each quoted refusal as printed (up to the doc\'s "…")', async () => {
    const hourly = (stamps: string[]): string => `timestamp,value\n${stamps.map((t, i) => `${t},${i}`).join('\n')}\n`;
    const dir = folder({
      'feb.csv': hourly(['2024-02-28 00:00', '2024-02-30 00:00']),
      'u16.csv': '',
      'dst.csv': hourly(['2024-10-27 01:00', '2024-10-27 01:30', '2024-10-27 02:00', '2024-10-27 02:30', '2024-10-27 02:00']),
      'far.csv': hourly(['0', '1', '2', '98299999999']),
    });
    writeFileSync(path.join(dir, 'u16.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('timestamp,value\n0,1\n', 'utf16le')]));
    writeFileSync(path.join(dir, 'gz.csv'), gzipSync('timestamp,value\n0,1\n'));
    /** The refusal from `from` to the end of `to` (the whole message without them), as the doc quotes it: `…` where it leaves the rest out. */
    const quoted = async (file: string, from?: string, to?: string, rest = ''): Promise<void> => {
      const msg = await refusal(['forecast', file, '--models', 'naive'], dir);
      const start = from === undefined ? msg.indexOf('the file') : msg.indexOf(from);
      const end = to === undefined ? msg.length : msg.indexOf(to, start) + to.length;
      expect([start >= 0, end >= start]).toEqual([true, true]);
      expectQuoted('docs/forecasting.md', `"${msg.slice(start, end)}${rest}"`, forecasting());
    };
    await quoted('feb.csv', 'days in');
    await quoted('gz.csv');
    await quoted('u16.csv', 'the file', 'save it as UTF-8', ' …');
    await quoted('dst.csv', 'less than', '--dst shift');
    await quoted('far.csv', 'the series would need', 'right?', ' …');
  });

  it('a calendar-month series: the step and the detected season', async () => {
    const rows = Array.from({ length: 48 }, (_, i) => `${new Date(Date.UTC(2020, i, 1)).toISOString().slice(0, 10)},${100 + 30 * Math.sin((2 * Math.PI * i) / 12) + (i % 5)}`);
    const dir = folder({ 'monthly.csv': `timestamp,value\n${rows.join('\n')}\n` });
    const r = await drs(['forecast', 'monthly.csv', '--models', 'naive', '--quiet', '--train', '0.75'], {}, dir);
    expect(r.code).toBe(0);
    expectQuoted('docs/forecasting.md', `"${(r.err.trim().split('\n')[0] as string).replace(/^monthly: /, '')}"`, forecasting());
    expectQuoted('docs/forecasting.md', `"${/step 1 calendar month/.exec(r.out)?.[0] ?? 'no step in the table'}"`, forecasting());
  });
});
