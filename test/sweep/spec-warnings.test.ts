import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSweep } from '../../src/sweep/spec.js';

/**
 * A sweep over seeds of a recorded trace (csv, swf, openb pods) replays the same requests on
 * every seed, as one whose trace has its own seed does: the ±0 intervals of a deterministic
 * strategy are then no evidence, and the sweep says so (it was silent for these kinds).
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-warn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = (name: string, trace: string): string => {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: ${trace}\nstrategies: [first-fit]\n`);
  return file;
};
const sweep = (name: string, scen: string, seeds: string): string => {
  const file = path.join(dir, `${name}-sweep.yaml`);
  writeFileSync(file, `scenario: ./${path.basename(scen)}\nseeds: ${seeds}\n`);
  return file;
};

describe('sweep warnings on seeds that cannot change the workload', () => {
  it('warns for csv, swf and alibaba-gpu traces swept over more than one seed', async () => {
    const csv = scenario('c', '{ kind: csv, file: ./jobs.csv, columns: { arrival: t, duration: d, demand: { cpu: c } } }');
    const spec = await loadSweep(sweep('c', csv, '3'));
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings[0]).toMatch(/^the scenario's trace \(kind csv\) is replayed as recorded, so every seed replays the same workload/);
    for (const [name, trace] of [
      ['s', '{ kind: swf, file: ./log.swf }'],
      ['a', '{ kind: alibaba-gpu, file: ./pods.csv }'],
    ] as const) {
      expect((await loadSweep(sweep(name, scenario(name, trace), '[1, 2]'))).warnings[0]).toContain(`(kind ${name === 's' ? 'swf' : 'alibaba-gpu'}) is replayed as recorded`);
    }
  });

  it('says nothing with one seed, or for kinds that draw from the seed', async () => {
    const csv = scenario('c1', '{ kind: csv, file: ./jobs.csv, columns: { arrival: t, duration: d, demand: { cpu: c } } }');
    expect((await loadSweep(sweep('c1', csv, '[7]'))).warnings).toEqual([]);
    const syn = scenario('y', '{ kind: synthetic, count: 10, arrival: { rate: 1 }, profiles: [{ name: p, demand: { cpu: 1 } }] }');
    expect((await loadSweep(sweep('y', syn, '3'))).warnings).toEqual([]);
    const az = scenario('z', '{ kind: azure-llm, file: ./az.csv }');
    expect((await loadSweep(sweep('z', az, '3'))).warnings).toEqual([]);
  });
});
