import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSweep } from '../../src/sweep/spec.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 's.yaml'), 'name: s\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: synthetic, horizon: 60, arrival: { rate: 1 } }\nstrategies: [first-fit]\n');
const sweep = (body: string): string => {
  const file = path.join(dir, 'sweep.yaml');
  writeFileSync(file, `scenario: ./s.yaml\nseeds: 1\n${body}`);
  return file;
};

/**
 * `__proto__` is no scenario field. As a path step, `set: { __proto__.x: 1 }` descended into
 * Object.prototype and set x on every object of the process: the scenario's validation then
 * said "pools[0].x: unknown key 'x'" at a line of the scenario that has no x. As a whole key of
 * set: or axes: the parser dropped it, and the override or axis silently did nothing.
 */
describe("a sweep path through '__proto__'", () => {
  it.each(['__proto__.x', 'pools[0].__proto__.x', 'trace.__proto__'])('set: %s is refused at its line, and nothing is polluted', async (p) => {
    const file = sweep(`set:\n  ${p}: 1\n`);
    await expect(loadSweep(file)).rejects.toThrow(`${file}:4, field 'set.${p}': '${p}' names '__proto__', which is no scenario field`);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it.each(['set:\n  __proto__: { x: 1 }\n', 'axes:\n  __proto__: [1, 2]\n'])('a whole key __proto__ is refused, not dropped (%j)', async (body) => {
    const file = sweep(body);
    await expect(loadSweep(file)).rejects.toThrow(new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:4, field '(set|axes)\\.__proto__': '__proto__' names '__proto__', which is no scenario field`));
  });
});
