import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { POLICY_NET_FORMAT, type PolicyNetFile } from '../../src/core/policy-net.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { Request } from '../../src/core/model.js';
import type { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { parseTrainConfig, type QueueTrainConfig } from '../../src/learn/config.js';
import { initLayers } from '../../src/learn/ppo.js';
import type { BatchJob, BatchWorkload } from '../../src/learn/sim-adapter.js';
import { QUEUE_FEATURES } from '../../src/queue/learned-queue.js';
import { ALLOCATOR_FEATURES } from '../../src/algorithms/learned.js';

/** A random-weight model (seeded), for tests that need a network but not a trained one. */
export function randomModel(kind: 'queue' | 'allocator', seed = 1, hidden: number[] = [8, 4]): PolicyNetFile {
  const features = kind === 'queue' ? QUEUE_FEATURES : ALLOCATOR_FEATURES;
  const F = features.length;
  return {
    format: POLICY_NET_FORMAT,
    kind,
    name: `test-${kind}`,
    features,
    scaling: { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) },
    layers: initLayers([F, ...hidden, 1], new Rng(seed), 1),
  };
}

/**
 * A synthetic HPC log on a 32-processor machine: Poisson arrivals (mean gap 30 s), widths 1..32,
 * run times lognormal, requests 1–3× the run time. Busy enough that jobs queue.
 */
export function syntheticWorkload(n: number, seed = 7): BatchWorkload {
  const rng = new Rng(seed);
  const jobs: BatchJob[] = [];
  let t = 1_000_000;
  for (let i = 0; i < n; i++) {
    t += Math.round(rng.exponential(1 / 30));
    const run = Math.max(1, Math.round(rng.lognormal(5, 1)));
    jobs.push({ index: i, id: i + 1, submit: t, run, requested: Math.round(run * rng.uniform(1, 3)), procs: 1 + rng.int(32), clamped: false });
  }
  return { file: 'synthetic.swf', header: {} as BatchWorkload['header'], machine: 32, machineSource: 'option', jobs, dropped: 0, clamped: 0, unknownWidth: 0 };
}

/** `syntheticWorkload(n)` as an SWF file synthetic.swf in `dir` (18 fields, MaxProcs header); returns its path. */
export function syntheticSwfFile(dir: string, n = 1400): string {
  const w = syntheticWorkload(n);
  const lines = ['; MaxProcs: 32', ...w.jobs.map((j) => [j.id, j.submit, 0, j.run, j.procs, -1, -1, j.procs, j.requested, -1, 1, 1, 1, 1, 1, -1, -1, -1].join(' '))];
  const file = path.join(dir, 'synthetic.swf');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** A tiny queue training config over `syntheticWorkload` (train jobs 0..900, validation 950, evaluation 1200), with `over` on top. */
export function tinyQueueConfig(over: Record<string, unknown> = {}): QueueTrainConfig {
  const c = parseTrainConfig(
    {
      kind: 'queue',
      name: 'tiny',
      seed: 5,
      trace: 'synthetic.swf',
      episodeLength: 96,
      train: { ranges: [[0, 900]] },
      validation: { windows: [950], length: 150 },
      evaluation: { windows: [1200], length: 256 },
      network: { hidden: [8, 4] },
      ppo: { iterations: 2, windowsPerIteration: 2, samplesPerWindow: 2, epochs: 2 },
      validateEvery: 1,
      checkpointEvery: 1,
      ...over,
    },
    'tiny.yaml',
  );
  if (c.kind !== 'queue') throw new Error('expected a queue config');
  return c;
}

/** The message a call throws, or 'accepted' when it does not throw (for config and model-file refusals). */
export function thrownMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
}

/** 1–3 nodes of one pool in `space` (dimensions: width, then a second), some running jobs (requested ends spread out); each fitting job runs with probability `share`. */
export function randomMachine(space: ResourceSpace, rng: Rng, now: number, share: number): ClusterState {
  const nodes = 1 + rng.int(3);
  const s = new ClusterState(space, [{ name: 'm', capacity: [32 + rng.int(97), 256], nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} }]);
  for (let k = 0; k < nodes; k++) s.addNode(0, 'up');
  for (let k = 0; k < 40; k++) {
    const r: Request = { id: `run${k}`, tenant: 't', arrival: 0, demand: [1 + rng.int(24), rng.int(64)], duration: 10 + rng.int(5000), priority: 'medium' };
    const node = rng.int(nodes);
    if (s.fits(node, r.demand) && rng.uniform(0, 1) < share) s.allocate(r, node, now - rng.int(500));
  }
  return s;
}
