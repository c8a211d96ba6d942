import { describe, expect, it } from 'vitest';
import { ResourceSpace } from '../../src/core/resources.js';
import { readLlmLogRequests, type LlmLogOptions } from '../../src/traces/llm-log.js';
import { duplicateKey, mayRepeatKey } from '../../src/traces/jsonl-rows.js';
import { collect, fixture } from './helpers.js';

/*
 * A JSON Lines record with one key twice: JSON.parse keeps the last value without a word, so
 * `{"input_length": 5000, ..., "input_length": 50}` read as 50 tokens. It is an error at its line
 * naming the key.
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const COLUMNS: LlmLogOptions['columns'] = { arrival: { column: 'timestamp', scale: 0.001 }, context: 'input_length', generated: 'output_length' };
const read = (text: string) => collect(readLlmLogRequests(fixture('dup.jsonl', text), { space, columns: COLUMNS }));

describe('JSON Lines: a key given twice in one record', () => {
  it('is an error at its line naming the key (was: the last value silently taken)', async () => {
    const text = ['{"timestamp": 0, "input_length": 5000, "output_length": 50}', '', '{"timestamp": 3000, "input_length": 2500, "output_length": 100, "input_length": 25}'].join('\n');
    await expect(read(text)).rejects.toThrow(/dup\.jsonl:3, field 'input_length': the key 'input_length' is given twice in this record \(a JSON reader keeps only the last value\): give each key once/);
  });

  it('finds the repeat in nested objects and through escapes, not inside strings or across objects', () => {
    expect(duplicateKey('{"a": 1, "b": {"a": 2}}')).toBeUndefined();
    expect(duplicateKey('{"a": 1, "b": [{"c": 1}, {"c": 2}]}')).toBeUndefined();
    expect(duplicateKey('{"a": "x\\", \\"a\\": 1", "b": 2}')).toBeUndefined();
    expect(duplicateKey('{"a": 1, "\\u0061": 2}')).toBe('a');
    expect(duplicateKey('{"b": {"c": 1, "c": 2}}')).toBe('c');
    expect(duplicateKey('{"a":1,"a":1}')).toBe('a');
    expect(duplicateKey('{}')).toBeUndefined();
    // A value that spells a key of its object is no key.
    expect(duplicateKey('{"a": "a", "b": ["b"]}')).toBeUndefined();
  });
});

describe('mayRepeatKey: the pre-check that spares most lines the scan', () => {
  const may = (s: string): boolean => mayRepeatKey(s, JSON.parse(s));
  it('clears a line whose keys are each written once as "k":', () => {
    expect(may('{"timestamp":3000,"input_length":2500,"output_length":100}')).toBe(false);
    expect(may('{"a":1,"b":{"c":[{"d":2},{"d":3}]}}')).toBe(false);
    expect(may('{}')).toBe(false);
  });
  it('sends every line that holds a key twice to the scan, however it is written', () => {
    for (const s of ['{"a":1,"a":2}', '{"b":{"c":1,"c":2}}', '{"a":1,"\\u0061":2}', '{"a" :1,"a" :2,"b":"\\":"}', '{"a":1,"a" :2}', '{"x":[{"k":1,"k":2}]}']) {
      expect(may(s), s).toBe(true);
      expect(duplicateKey(s), s).toBeDefined();
    }
  });
  it('sends a line to the scan when it cannot tell (a value starting with a colon), and the scan clears it', () => {
    const s = '{"a":":x"}';
    expect(may(s)).toBe(true);
    expect(duplicateKey(s)).toBeUndefined();
  });
});
