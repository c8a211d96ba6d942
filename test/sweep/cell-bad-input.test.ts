import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drs } from '../cli/helpers.js';

/**
 * Bad input that only one seed meets: the scenario's seed (2) draws durations that are fine, as
 * do seeds 2 and 8; seed 3 draws a run time of 4.4e22 s, which the synthetic trace refuses. The
 * sweep stops with exit 2, and the message must say which cell met it: a sweep runs one scenario
 * over many seeds (and axis values), and the scenario's field alone does not say which seed to
 * look at. It said neither the seed nor the strategy; on worker threads it also lost the line.
 */
/** The scenario (a copy in each test's folder, where messages name it). */
const HEAVY_TAIL = path.join(import.meta.dirname, 'fixtures', 'heavy-tail.yaml');
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-bad-cell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

copyFileSync(HEAVY_TAIL, path.join(dir, 'sc.yaml'));
const DRAW = "field 'trace.profiles[0].duration': seed 3, strategy first-fit: request syn-1 drew a run time of 4.352610914483812e+22 s, more than 1e10 s (over 300 years): set max to cap the draws, or check the parameters' unit and scale";

describe('a sweep cell that meets bad input only with its own seed', () => {
  it.each([0, 2])('names the seed and strategy beside the scenario line and field (--workers %i)', async (workers) => {
    writeFileSync(path.join(dir, `sweep${workers}.yaml`), 'scenario: ./sc.yaml\nseeds: [2, 3, 8]\n');
    const r = await drs(['sweep', path.join(dir, `sweep${workers}.yaml`), '--workers', String(workers), '--results', path.join(dir, `cells${workers}`), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs sweep: ${dir}/sc.yaml:11, ${DRAW}\n`);
  }, 60_000);

  it('names the axis values of the cell too', async () => {
    writeFileSync(path.join(dir, 'axes.yaml'), 'scenario: ./sc.yaml\nseeds: [2, 3]\naxes:\n  pools[0].nodes: [2, 3]\n');
    const r = await drs(['sweep', path.join(dir, 'axes.yaml'), '--workers', '0', '--results', path.join(dir, 'cells-axes'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs sweep: ${dir}/sc.yaml:11, ${DRAW.replace('strategy first-fit:', 'strategy first-fit, at pools[0].nodes=2:')}\n`);
  }, 60_000);
});
