import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, TraceFormatError } from '../../src/core/errors.js';
import { fieldPath, withYamlLine, yamlLineOf } from '../../src/core/yaml-line.js';

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

describe('withYamlLine', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drs-yaml-line-'));
  const file = path.join(dir, 's.yaml');
  writeFileSync(file, 'name: x\npools:\n  - name: a\n    capacity: { cpu: 4 }\nprotocol: { kind: rlscheduler, windows: [0, 9] }\n');

  it('adds the line of the field a ConfigError names when the file holds it', () => {
    const e = withYamlLine(new ConfigError('too far', { file, field: 'protocol.windows[1]' })) as ConfigError;
    expect(e.message).toBe(`${file}:5, field 'protocol.windows[1]': too far`);
    expect((withYamlLine(new ConfigError('no', { file, field: 'pools[0].capacity.cpu' })) as Error).message).toBe(`${file}:4, field 'pools[0].capacity.cpu': no`);
  });

  it('leaves alone an error with a line, a field the file does not start, another kind of error or file', () => {
    const lined = new ConfigError('x', { file, line: 2, field: 'pools' });
    expect(withYamlLine(lined)).toBe(lined);
    const absent = new ConfigError('x', { file, field: 'evaluation.windows[0]' });
    expect(withYamlLine(absent)).toBe(absent);
    const data = new TraceFormatError('x', { file, field: 'pools' });
    expect(withYamlLine(data)).toBe(data);
    const csv = new ConfigError('x', { file: path.join(dir, 'a.csv'), field: 'pools' });
    expect(withYamlLine(csv)).toBe(csv);
    const missing = new ConfigError('x', { file: path.join(dir, 'gone.yaml'), field: 'pools' });
    expect(withYamlLine(missing)).toBe(missing);
  });
});
