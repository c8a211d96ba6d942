import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, ROOT } from './helpers.js';

/**
 * The README's quick start quotes what `npm start` (`drs run scenarios/default.yaml`) prints: the
 * scenario line, the table's header, some strategies' rows and a warning. Those are figures a
 * metric or engine change moves without a sign, so the quoted lines are checked against a run of
 * the strategies they show (the others are elided with `...`). Column widths follow the longest
 * label of the run, so lines are compared with runs of spaces collapsed; the dashed rule is not
 * compared.
 */

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const normalise = (line: string): string => line.trim().replace(/\s+/g, ' ');

/** The quoted output: the first fenced block after "It prints". */
function quoted(): string[] {
  const at = README.indexOf('It prints');
  const block = /```\n([\s\S]*?)```/.exec(README.slice(at))?.[1];
  if (at < 0 || block === undefined) throw new Error('README: the quick start output block was not found');
  return block.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '...' && !/^[-\s]+$/.test(l));
}

describe("README quick start: the quoted output is what 'drs run scenarios/default.yaml' prints", () => {
  it('every quoted line (rows, header, warnings) is printed, for the strategies it shows', async () => {
    const lines = quoted();
    const header = lines.findIndex((l) => l.startsWith('strategy '));
    expect(header, 'the table header').toBeGreaterThan(0);
    const rows = lines.slice(header + 1).filter((l) => !l.startsWith('warning:') && !l.startsWith('note:'));
    const strategies = rows.map((l) => l.split(/\s+/)[0] as string);
    expect(strategies.length).toBeGreaterThanOrEqual(3);

    const ran = await drs(['run', 'scenarios/default.yaml', '--strategies', strategies.join(',')]);
    expect(ran.code, ran.err).toBe(0);
    const printed = new Set(`${ran.out}\n${ran.err}`.split('\n').map(normalise));
    const missing = lines.map(normalise).filter((l) => !printed.has(l));
    expect(missing, `printed:\n${ran.out}\n${ran.err}`).toEqual([]);
  });
});
