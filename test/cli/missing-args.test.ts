import { describe, expect, it } from 'vitest';
import { drs } from './helpers.js';

/*
 * The README: "Exit codes: ... 2 a user error (one line on stderr, no stack trace; when the file
 * argument or a required flag is missing, the command's usage follows that line)". replay-swf,
 * generate-swf and train printed the one line alone.
 */
describe('a missing file argument or required flag', () => {
  it.each([
    ['run'],
    ['validate'],
    ['train'],
    ['replay-swf'],
    ['generate-swf'],
    ['replay-openb', 'pods.csv'],
    ['pack'],
    ['forecast'],
    ['serve-config'],
    ['sweep'],
    ['worker'],
  ])('drs %s: exit 2, one line naming what is missing, then the usage', async (command, ...args) => {
    const help = await drs([command, '--help']);
    const r = await drs([command, ...args]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const [first, ...rest] = r.err.trimEnd().split('\n');
    expect(first).toMatch(new RegExp(`^drs ${command}: \\S`));
    expect(first).not.toMatch(/usage/i);
    expect(rest.join('\n')).toBe(help.out.trimEnd());
  });
});
