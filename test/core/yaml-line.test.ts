import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fieldPath, yamlLineOf } from '../../src/core/yaml-line.js';

const lines = (text: string, path: (string | number)[], key?: string): number | undefined => {
  const lc = new LineCounter();
  return yamlLineOf(parseDocument(text, { lineCounter: lc }), lc, path, key);
};

describe('yamlLineOf', () => {
  it('finds the line of a field, or of its nearest existing parent', () => {
    const text = 'a: 1\nb:\n  c: [1, 2]\n';
    expect(lines(text, fieldPath('b.c[1]'))).toBe(3);
    expect(lines(text, ['b', 'zzz'])).toBe(3);
    expect(lines(text, ['b'], 'c')).toBe(3);
  });

  it('has no line for a document without a root node (an empty or comment-only file), rather than crashing', () => {
    expect(lines('', [])).toBeUndefined();
    expect(lines('# only a comment\n', ['kind'])).toBeUndefined();
  });
});
