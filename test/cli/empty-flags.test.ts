import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { numberFlag, seedFlag } from '../../src/cli/args.js';
import { drs, ROOT, tmpFile } from './helpers.js';

/*
 * Number('') and Number('  ') are 0, so a flag given an empty value (`--port "$UNSET"` in a
 * script) used to run as 0: serve on any free port, sweep in this process, start the log at
 * midnight, the GA with seed 0, a scenario with seed ''. Each is refused, naming the flag (exit 2).
 */

const SCENARIO = path.join(ROOT, 'scenarios/default.yaml');

describe('an empty flag value is not 0', () => {
  it('the shared readers refuse blank values', () => {
    for (const blank of ['', ' ', '\t']) {
      expect(() => numberFlag(blank, 'port', { min: 0, integer: true }), JSON.stringify(blank)).toThrow(`--port expects an integer ≥ 0, got '${blank}'`);
      expect(() => seedFlag(blank), JSON.stringify(blank)).toThrow(`--seed must be a non-empty word without spaces (e.g. 7), got '${blank}'`);
    }
    expect(() => seedFlag('1 2')).toThrow('non-empty word without spaces');
    // what stays accepted
    expect(numberFlag('0', 'port', { min: 0, integer: true })).toBe(0);
    expect(numberFlag(' 3 ', 'jobs', { min: 1, integer: true })).toBe(3);
    expect(seedFlag('07')).toBe(7);
    expect(seedFlag('abc')).toBe('abc');
  });

  it('every command that reads a number or seed flag', async () => {
    const pack = tmpFile('items.txt', '1\n t\n 10 2 1\n4\n5\n');
    const cases: [string[], string][] = [
      [['run', SCENARIO, '--seed', '', '--quiet'], "drs run: field 'seed': --seed must be a non-empty word without spaces (e.g. 7), got ''\n"],
      // An empty list ran every strategy (`--strategies "$UNSET"`), as if the flag were not given.
      [['run', SCENARIO, '--strategies', '', '--quiet'], "drs run: field 'strategies': --strategies needs at least one label, got ''\n"],
      [['run', SCENARIO, '--strategies', ' , ', '--quiet'], "drs run: field 'strategies': --strategies needs at least one label, got ' , '\n"],
      [['sweep', 'any.yaml', '--workers', ''], "drs sweep: --workers expects an integer ≥ 0, got ''\n"],
      [['generate-swf', '--out', '-', '--start-hour', ''], "drs generate-swf: --start-hour expects a number ≥ 0, got ''\n"],
      [['generate-swf', '--out', '-', '--jobs', ' '], "drs generate-swf: --jobs expects an integer ≥ 1, got ' '\n"],
      [['pack', pack, '--strategies', 'ga', '--seed', ''], "drs pack: field '--seed': --seed must be an integer, got ''\n"],
      [['serve', '--port', ''], "drs serve: --port expects an integer ≥ 0, got ''\n"],
      [['replay-openb', 'pods.csv', '--nodes', 'nodes.csv', '--tune', ''], "drs replay-openb: --tune expects a number ≥ 0.01, got ''\n"],
    ];
    for (const [argv, err] of cases) {
      const r = await drs(argv, { DRS_ADMIN_TOKEN: 'x'.repeat(32) });
      expect({ code: r.code, err: r.err, out: r.out }, argv.join(' ')).toEqual({ code: 2, err, out: '' });
    }
  });
});
