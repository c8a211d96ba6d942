import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/sweep/canonical.js';
import { cellHash } from '../../src/sweep/cell.js';
import { loadSweep } from '../../src/sweep/spec.js';

describe('canonicalJson', () => {
  it('is the same text whatever the key order, and 1 and 1.0 are one number', () => {
    expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'z' })).toBe(canonicalJson({ a: 'z', b: [1.0, { x: 1, y: 2.0 }] }));
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}');
  });
  it('tells .inf, -.inf and .nan from null and from each other (JSON writes all of them null)', () => {
    const texts = [Infinity, -Infinity, NaN, null, 'Infinity'].map((v) => canonicalJson({ v }));
    expect(new Set(texts).size).toBe(5);
    expect(cellHash({ rate: Infinity }, 'first-fit', 1, {}, 'c')).not.toBe(cellHash({ rate: null }, 'first-fit', 1, {}, 'c'));
  });
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-canonical-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sweepFile = (name: string, body: string): string => {
  writeFileSync(path.join(dir, 's.yaml'), 'name: s\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: synthetic, horizon: 1m, arrival: { rate: 1 } }\nstrategies: [first-fit]\n');
  const f = path.join(dir, `${name}.yaml`);
  writeFileSync(f, `scenario: ./s.yaml\nseeds: 1\n${body}`);
  return f;
};

describe('axis values that JSON cannot write', () => {
  it('.inf and .nan are two values, not "the value null given twice"', async () => {
    const spec = await loadSweep(sweepFile('inf-nan', 'axes:\n  trace.arrival.rate: [.inf, .nan]\n'));
    expect(spec.axes[0]?.values).toEqual([Infinity, NaN]);
  });
  it('a repeated .nan is named as written', async () => {
    const f = sweepFile('nan-nan', 'axes:\n  trace.arrival.rate: [.nan, .nan]\n');
    await expect(loadSweep(f)).rejects.toThrow(`${f}:4, field 'axes.trace.arrival.rate': the value .nan is given twice (one point, run twice)`);
  });
});
