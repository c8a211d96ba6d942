/**
 * A deeply nested JSON body (well under the body limit) must get a 400 like any other bad body:
 * the service's own JSON parser walks the parsed value for `__proto__` keys, and a recursive walk
 * overflowed the stack at a depth JSON.parse accepts (10,000 levels are 20 KB of text).
 */
import { describe, expect, it } from 'vitest';
import { prototypeKey } from '../../src/scheduler/http/json-body.js';
import { startServer } from '../../src/scheduler/http.js';
import { call, TEAM_A, TOKENS } from './helpers.js';

const deepObject = (n: number, inner: string): string => '{"a":'.repeat(n) + inner + '}'.repeat(n);

describe('prototypeKey on deeply nested values', () => {
  it('walks 100,000 levels of objects and arrays without overflowing the stack, and finds a key at the bottom', () => {
    expect(prototypeKey(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), [])).toBeUndefined();
    const path = prototypeKey(JSON.parse(deepObject(100_000, '{"__proto__": 1}')), []);
    expect(path?.length).toBe(100_001);
    expect(path?.[100_000]).toBe('__proto__');
    expect(path?.slice(0, 3)).toEqual(['a', 'a', 'a']);
  });

  it('reports the first such key in document order, with array indexes in the path', () => {
    const v = JSON.parse('{"x": [{"ok": 1}, {"y": {"__proto__": 2}}], "z": {"constructor": {"prototype": 3}}}');
    expect(prototypeKey(v, [])).toEqual(['x', '1', 'y', '__proto__']);
    expect(prototypeKey(JSON.parse('{"z": {"constructor": {"prototype": 3}}, "x": {"__proto__": 1}}'), [])).toEqual(['z', 'constructor', 'prototype']);
    expect(prototypeKey(JSON.parse('{"constructor": "x", "a": [1, "b", null]}'), [])).toBeUndefined();
  });
});

describe('drs serve and a deeply nested body', () => {
  it('answers 400 (not 500) for 10,000 levels of nesting, and 400 naming a __proto__ key at the bottom', async () => {
    const srv = await startServer({ port: 0, tokens: TOKENS, pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] }, { schedulerOptions: { timers: false } });
    try {
      const post = (raw: string) => call(srv.url, 'POST', '/v1/allocations', { token: TEAM_A, raw });
      const deep = await post(`{"units": 1, "labels": ${deepObject(10_000, '1')}}`);
      expect(deep.status).toBe(400);
      const proto = await post(`{"units": 1, "labels": ${deepObject(10_000, '{"__proto__": 1}')}}`);
      expect(proto.status).toBe(400);
      expect(proto.body.error.code).toBe('invalid-body');
      expect(proto.body.error.field).toMatch(/^labels(\.a){10000}\.__proto__$/);
      // The service still answers a good body afterwards.
      expect((await post('{"units": 1}')).status).toBe(201);
    } finally {
      await srv.close();
    }
  });
});
