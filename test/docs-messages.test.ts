import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
