import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, ROOT } from './helpers.js';

/*
 * An integer flag beyond 2^53 − 1 would be rounded to a neighbour (9007199254740993 runs as
 * ...992): every command refuses it, naming the flag, before anything runs (exit 2).
 */

const HUGE = '9007199254740993';
const CONFIG = path.join(ROOT, 'train/agent-fleet.yaml');

describe('integer flags beyond 2^53', () => {
  // `--threads 0` (refused after the seed and iterations) keeps a broken check from training.
  it('drs train --seed and --iterations', async () => {
    const seed = await drs(['train', CONFIG, '--seed', HUGE, '--threads', '0']);
    expect(seed.code).toBe(2);
    expect(seed.err).toBe(`drs train: --seed expects an integer between -9007199254740991 and 9007199254740991 (beyond, it would be rounded), got '${HUGE}'\n`);
    const iterations = await drs(['train', CONFIG, '--iterations', '99999999999999999999', '--threads', '0']);
    expect(iterations.code).toBe(2);
    expect(iterations.err).toContain("--iterations expects an integer between -9007199254740991 and 9007199254740991 (beyond, it would be rounded), got '99999999999999999999'");
  });

  it('drs run --seed and drs sweep --workers (the shared flag reader)', async () => {
    const run = await drs(['run', path.join(ROOT, 'scenarios/default.yaml'), '--seed', HUGE]);
    expect(run.code).toBe(2);
    expect(run.err).toBe(`drs run: --seed expects an integer between -9007199254740991 and 9007199254740991 (beyond, it would be rounded), got '${HUGE}'\n`);
    const sweep = await drs(['sweep', 'any.yaml', '--workers', HUGE]);
    expect(sweep.code).toBe(2);
    expect(sweep.err).toContain(`--workers expects an integer ≥ 0 and at most 9007199254740991 (beyond, it would be rounded), got '${HUGE}'`);
  });

  it('drs replay-openb --seeds', async () => {
    const r = await drs(['replay-openb', 'pods.csv', '--nodes', 'nodes.csv', '--seeds', HUGE]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs replay-openb: field '--seeds': seed '${HUGE}' is beyond 9007199254740991 (it would be rounded)\n`);
  });
});
