import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSweep, resultsFolderName } from '../../src/sweep/spec.js';
import { drs } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-name-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 's.yaml'), 'name: s\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: synthetic, horizon: 60, arrival: { rate: 1 } }\nstrategies: [first-fit]\n');
const sweepNamed = (name: string): string => {
  const file = path.join(dir, 'sweep.yaml');
  writeFileSync(file, `name: ${JSON.stringify(name)}\nscenario: ./s.yaml\nseeds: 1\n`);
  return file;
};

/** The default results folder is .drs-sweep/<name>: a name with a path in it wrote results elsewhere (without --results). */
describe('a sweep name', () => {
  it.each(['../x', 'a/b', 'a\\b', '..', '.'])('%s is refused, naming the field and the reason', async (name) => {
    const file = sweepNamed(name);
    const spec = await loadSweep(file);
    expect(() => resultsFolderName(spec)).toThrow(new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:1, field 'name': expected one folder name`));
  });

  it.each(['nightly', 'fleet sizes 2026-12', '..x', 'a.b'])('%s is a folder name and is kept', async (name) => {
    expect(resultsFolderName(await loadSweep(sweepNamed(name)))).toBe(name);
  });

  // The name is the default results folder's, nothing more: with --results (what the refusal
  // itself advised) it names the sweep in the table and the report. It was refused all the same.
  it('with --results, a name that is not a folder name is kept: the refusal is only for the default folder', async () => {
    writeFileSync(path.join(dir, 'run.yaml'), 'name: run\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: synthetic, count: 20, arrival: { rate: 1 }, profiles: [{ name: p, demand: { cpu: 1 } }] }\nstrategies: [first-fit]\n');
    const file = path.join(dir, 'q3.yaml');
    writeFileSync(file, 'name: Q3 / baseline\nscenario: ./run.yaml\nseeds: 1\n');
    const results = path.join(dir, 'q3');
    const ran = await drs(['sweep', file, '--results', results, '--workers', '0', '--quiet'], {}, dir);
    expect(ran.err).not.toContain('expected one folder name');
    expect(ran.code, ran.err).toBe(0);
    expect(ran.out).toContain('Q3 / baseline');
    const refused = await drs(['sweep', file, '--workers', '0', '--quiet'], {}, dir);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${file}:1, field 'name': expected one folder name`);
    expect(refused.err).toContain('--results');
  });
});
