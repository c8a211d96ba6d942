import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/cli/train.js';
import { ConfigError } from '../../src/core/errors.js';
import { modelsDir, type PolicyNetFile } from '../../src/core/policy-net.js';
import type { QueueTrainConfig } from '../../src/learn/config.js';
import { logLabel, withConfiguredPlanner } from '../../src/learn/planner-build.js';
import { loadBatchWorkload } from '../../src/learn/sim-adapter.js';
import { drs } from '../cli/helpers.js';
import { DATA_ROOT, haveData } from '../support/data.js';
import { syntheticSwfFile } from './support.js';

/**
 * A training config's `planner` block: `drs train` adds the planner to the model it trains, from
 * the config's own training ranges; the shipped Lublin-1 planner is what its config builds.
 */

const config = (planner: string): string => `kind: queue
name: tiny-plan
seed: 4
trace: synthetic.swf
episodeLength: 96
train: { ranges: [[0, 900]] }
validation: { windows: [950], length: 150 }
evaluation: { windows: [1200], length: 128 }
network: { hidden: [] }
features: time-to-fit
cem: { generations: 1, population: 4, elite: 2, windowsPerGeneration: 1 }
${planner}
`;

function writeConfig(planner: string): { dir: string; cfg: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-plan-'));
  syntheticSwfFile(dir);
  const cfg = path.join(dir, 'tiny.yaml');
  writeFileSync(cfg, config(planner));
  return { dir, cfg };
}

describe('planner in a training config', () => {
  it('takes round 14’s rollout configuration by default and refuses a bad one, naming the field and line', () => {
    const { cfg } = writeConfig('planner: {}');
    expect((readConfig(cfg) as QueueTrainConfig).planner).toEqual({ candidates: 4, samples: 8, future: 32 });
    const bad = (planner: string): ConfigError => {
      const { cfg: c } = writeConfig(planner);
      try {
        readConfig(c);
      } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
      }
      throw new Error(`accepted ${planner}`);
    };
    expect(bad('planner: { candidates: 1 }').message).toMatch(/tiny\.yaml:12.*planner\.candidates/s);
    expect(bad('planner: { samples: 64, future: 65 }').message).toMatch(/tiny\.yaml:12, field 'planner': planner\.samples × planner\.future must be at most 4096 .*got 64 × 65/);
    expect(bad('planner: { rollouts: 3 }').message).toContain('rollouts');
  });

  it('drs train adds the planner, read from the training ranges only, and evaluates the model with it', { timeout: 60_000 }, async () => {
    const { dir, cfg } = writeConfig('planner: { candidates: 3, samples: 2, future: 4 }');
    const out = path.join(dir, 'model.json');
    const r = await drs(['train', cfg, '--out', out, '--checkpoint', path.join(dir, 'ckpt.json')]);
    expect(r.err).toContain('planner added: rollout of 3 candidates under 2 futures of 4 arrivals, workload of 900 jobs from training ranges [[0,900]] (seed tiny-plan:planner)');
    expect(r.code).toBe(0);
    const model = JSON.parse(readFileSync(out, 'utf8')) as PolicyNetFile & { evaluation: { meanBoundedSlowdown: Record<string, { none: number }> } };
    const p = model.planner;
    expect(p?.source).toEqual({ trace: `${path.basename(dir)}/synthetic.swf`, ranges: [[0, 900]], jobs: 900, built: 'src/learn/planner-build.ts' });
    // Jobs 0..899 of the log: their (width, requested) pairs, and 899 gaps between consecutive submits.
    const log = await loadBatchWorkload(path.join(dir, 'synthetic.swf'));
    expect(p?.workload.jobs).toEqual(log.jobs.slice(0, 900).map((j) => [j.procs, j.requested]));
    expect(p?.workload.gaps).toHaveLength(899);
    expect((model.training as { config: unknown }).config).toMatchObject({ planner: { candidates: 3, samples: 2, future: 4 } });
    // The evaluation is the model's as written: replaying it gives the same figure.
    const again = await drs(['replay-swf', path.join(dir, 'synthetic.swf'), '--policy', `learned-queue:${out}`, '--windows', '1200', '--length', '128', '--backfill', 'none', '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.out) as { meanBoundedSlowdown: number }).meanBoundedSlowdown).toBeCloseTo(model.evaluation.meanBoundedSlowdown['learned-queue:tiny-plan']?.none as number, 6);
  });

  const lublin = 'swf/lublin_256.swf.gz';
  it.runIf(haveData('train-planner', lublin))('the shipped lublin-1 planner is the one train/lublin-1.yaml builds', async () => {
    const shipped = JSON.parse(readFileSync(`${modelsDir()}queue/lublin-1.json`, 'utf8')) as PolicyNetFile;
    const cfg = readConfig(path.resolve(import.meta.dirname, '../../train/lublin-1.yaml')) as QueueTrainConfig;
    const { planner, ...scorers } = shipped;
    const rebuilt = withConfiguredPlanner(scorers as PolicyNetFile, cfg, await loadBatchWorkload(path.join(DATA_ROOT, lublin)));
    expect(logLabel(path.join(DATA_ROOT, lublin))).toBe(lublin);
    expect(rebuilt.planner).toEqual(planner);
  });
});
