import { ALLOCATOR_FEATURES } from '../algorithms/learned.js';
import { PolicyNet, POLICY_NET_FORMAT, type DenseLayer, type PolicyNetFile } from '../core/policy-net.js';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { AllocatorTrainConfig } from './config.js';
import { sampleAgent, type Episode } from './env.js';
import { FleetEnv, type ScenarioFactory } from './fleet-env.js';
import { buildBatch, initLayers, PpoLearner, type Tf } from './ppo.js';

export interface FleetCurvePoint {
  readonly iteration: number;
  readonly trainReward: number;
  readonly validationReward?: number;
  readonly seconds: number;
}

function netFile(name: string, layers: readonly DenseLayer[]): PolicyNetFile {
  // The pair features are shares and logs of modest size: no scaling (identity).
  const F = ALLOCATOR_FEATURES.length;
  return { format: POLICY_NET_FORMAT, kind: 'allocator', name, features: ALLOCATOR_FEATURES, scaling: { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) }, layers };
}

/**
 * Train a learned allocator with the same PPO as the queue (ppo.ts): each iteration plays
 * `windowsPerIteration` training seeds `samplesPerWindow` times each; the model with the best
 * mean reward on the validation seeds is kept.
 */
export async function trainFleet(
  tf: Tf,
  cfg: AllocatorTrainConfig,
  scenario: ScenarioFactory,
  hooks: { onIteration?(p: FleetCurvePoint, total: number): void; elapsed?(): number } = {},
): Promise<PolicyNetFile> {
  const F = ALLOCATOR_FEATURES.length;
  const env = new FleetEnv(scenario, cfg);
  const elapsed = hooks.elapsed ?? (() => 0);
  const init = initLayers([F, ...cfg.network.hidden, 1], new Rng(`${cfg.seed}:init`));
  const learner = new PpoLearner(tf, init, cfg.ppo);
  const validate = async (layers: readonly DenseLayer[]): Promise<number> => {
    let sum = 0;
    for (const s of cfg.validation.seeds) {
      env.reset(s);
      sum += (await env.run(new PolicyNet(netFile(cfg.name, layers)))).reward;
    }
    return sum / cfg.validation.seeds.length;
  };
  let best = { iteration: 0, validationReward: await validate(init), layers: init };
  const curve: FleetCurvePoint[] = [{ iteration: 0, trainReward: NaN, validationReward: best.validationReward, seconds: elapsed() }];
  const [a, b] = cfg.train.seeds;
  for (let it = 1; it <= cfg.ppo.iterations; it++) {
    const rng = new Rng(`${cfg.seed}:iter:${it}`);
    const net = new PolicyNet(netFile(cfg.name, learner.layers()));
    const groups: Episode[][] = [];
    for (let w = 0; w < cfg.ppo.windowsPerIteration; w++) {
      const seed = a + rng.int(b - a);
      const g: Episode[] = [];
      for (let k = 0; k < cfg.ppo.samplesPerWindow; k++) {
        env.reset(seed);
        g.push(await env.run(net, sampleAgent(rng.fork(`w${w}:k${k}`))));
      }
      groups.push(g);
    }
    const batch = buildBatch(groups, netFile(cfg.name, init).scaling, F);
    if (batch.buckets.length === 0) {
      // PPO would fail inside TensorFlow.js (a loss of no variables) with a stack trace.
      const horizon = cfg.horizon === undefined ? "the scenario's horizon" : `horizon ${cfg.horizon} s`;
      learner.dispose();
      throw new ConfigError(`the training episodes of iteration ${it} made no placement decision (${horizon}): nothing to learn from; give a longer horizon, or a scenario whose workload arrives within it`, { field: cfg.horizon === undefined ? 'scenario' : 'horizon' });
    }
    learner.update(batch);
    const trainReward = groups.flat().reduce((s, e) => s + e.reward, 0) / groups.flat().length;
    let validationReward: number | undefined;
    if (it % cfg.validateEvery === 0 || it === cfg.ppo.iterations) {
      const layers = learner.layers();
      validationReward = await validate(layers);
      if (validationReward > best.validationReward) best = { iteration: it, validationReward, layers };
    }
    const p: FleetCurvePoint = { iteration: it, trainReward, ...(validationReward === undefined ? {} : { validationReward }), seconds: elapsed() };
    curve.push(p);
    hooks.onIteration?.(p, cfg.ppo.iterations);
  }
  learner.dispose();
  return {
    ...netFile(cfg.name, best.layers),
    training: {
      algorithm: 'PPO (clipped surrogate, action masking over feasible nodes, leave-one-out episode baseline)',
      config: cfg,
      data: { scenario: cfg.scenario, workload: 'the scenario\'s synthetic workload drawn with each seed' },
      trainingSeeds: cfg.train.seeds,
      validationSeeds: cfg.validation.seeds,
      evaluationSeeds: cfg.evaluation.seeds,
      selected: { iteration: best.iteration, validationReward: best.validationReward },
      iterations: cfg.ppo.iterations,
      seconds: elapsed(),
      curve,
    },
  };
}
