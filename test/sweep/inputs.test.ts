import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { expandCells } from '../../src/sweep/cell.js';
import { loadSweep } from '../../src/sweep/spec.js';

/**
 * A sweep's cell key covers the files a cell reads, by contents: a retrained model or an edited
 * trace makes new cells (a resumed sweep must not print the old model's results), and a file a
 * strategy does not read leaves its cells alone.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MODEL = path.resolve(import.meta.dirname, '../../models/queue/hpc2n.json');
const swf = (jobs: number): string => Array.from({ length: jobs }, (_, i) => `${i + 1} ${i * 10} 0 100 4 -1 -1 4 200 -1 1 1 1 -1 1 -1 -1 -1`).join('\n') + '\n';

writeFileSync(path.join(dir, 'log.swf'), swf(20));
copyFileSync(MODEL, path.join(dir, 'q.json'));
writeFileSync(
  path.join(dir, 'scenario.yaml'),
  [
    'name: inputs',
    'dimensions: [cpu]',
    'pools: [{ name: m, capacity: { cpu: 16 }, nodes: 1, pricePerHour: 1 }]',
    'trace: { kind: swf, file: ./log.swf }',
    'queue: fcfs',
    'strategies:',
    '  - { name: first-fit, label: fcfs }',
    '  - { name: first-fit, label: learned, queue: learned-queue:q.json }',
    '',
  ].join('\n'),
);
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: scenario.yaml\nseeds: 2\n');

const hashes = async (sweepDir = dir, dataRoot = sweepDir): Promise<Record<string, string[]>> => {
  const { cells } = await expandCells(await loadSweep(path.join(sweepDir, 'sweep.yaml')), dataRoot);
  const out: Record<string, string[]> = {};
  for (const c of cells) (out[c.strategy] ??= []).push(c.hash);
  return out;
};

describe('sweep cell keys', () => {
  it('change with the contents of the model a strategy reads, and only for that strategy', async () => {
    const before = await hashes();
    expect(await hashes()).toEqual(before);
    const model = JSON.parse(readFileSync(MODEL, 'utf8')) as { layers: { bias: number[] }[] };
    (model.layers[0] as { bias: number[] }).bias[0] = ((model.layers[0] as { bias: number[] }).bias[0] as number) + 0.5;
    writeFileSync(path.join(dir, 'q.json'), JSON.stringify(model));
    const after = await hashes();
    expect(after.fcfs).toEqual(before.fcfs);
    for (const [i, h] of (after.learned ?? []).entries()) expect(h).not.toBe(before.learned?.[i]);
  });

  it('do not depend on where the sweep lives (a copy in another folder has the same keys)', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-inputs-copy-'));
    try {
      cpSync(dir, other, { recursive: true });
      expect(await hashes(other)).toEqual(await hashes());
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("cover an agents fleet file, read from the scenario's folder", async () => {
    const sc = parse(readFileSync(path.resolve(import.meta.dirname, '../../scenarios/agent-pipeline.yaml'), 'utf8')) as { trace: Record<string, unknown> };
    const agents = path.join(dir, 'agents');
    mkdirSync(agents);
    writeFileSync(path.join(agents, 'fleet.yaml'), stringify(sc.trace.registry));
    delete sc.trace.registry;
    sc.trace.file = 'fleet.yaml';
    writeFileSync(path.join(agents, 'scenario.yaml'), stringify(sc));
    writeFileSync(path.join(agents, 'sweep.yaml'), 'scenario: scenario.yaml\nseeds: 1\n');
    // The data root is elsewhere: the fleet file is the scenario folder's, not the data root's.
    const before = await hashes(agents, dir);
    writeFileSync(path.join(agents, 'fleet.yaml'), `${readFileSync(path.join(agents, 'fleet.yaml'), 'utf8')}# edited\n`);
    const after = await hashes(agents, dir);
    for (const [s, hs] of Object.entries(after)) expect(hs[0]).not.toBe(before[s]?.[0]);
  });

  it('change with the contents of the trace file', async () => {
    const before = await hashes();
    writeFileSync(path.join(dir, 'log.swf'), swf(21));
    const after = await hashes();
    for (const s of ['fcfs', 'learned']) for (const [i, h] of (after[s] ?? []).entries()) expect(h).not.toBe(before[s]?.[i]);
  });
});
