import { describe, expect, it } from 'vitest';
import { ResourceSpace } from '../../src/core/resources.js';
import { readLlmLogRequests, type LlmLogOptions } from '../../src/traces/llm-log.js';
import { duplicateKey } from '../../src/traces/jsonl-rows.js';
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
