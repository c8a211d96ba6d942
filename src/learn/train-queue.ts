import { loadPolicyNetFile, POLICY_NET_FORMAT, PolicyNet, type DenseLayer, type PolicyNetFile } from '../core/policy-net.js';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { ORDER_KEYS } from '../queue/keys.js';
import { QUEUE_FEATURES, QUEUE_FEATURES_CONTEXT, QUEUE_FEATURES_TIME_TO_FIT, QUEUE_FEATURES_TIME_WIDTH } from '../queue/learned-queue.js';
import { F1_INIT, type QueueTrainConfig } from './config.js';
import { checkLogCovers, drawInRanges } from './cross-log.js';
import { firstAgent, QueueEnv, sampleAgent, teacherAgent, type Episode } from './env.js';
import { buildBatch, initLayers, PpoLearner, type Tf } from './ppo.js';
import { classicPolicy, replaySwfWindow, type BatchWorkload } from './sim-adapter.js';

/**
 * Training loop of a learned-queue model (PPO, see ppo.ts):
 *
 *  0. Feature scaling: mean and standard deviation of every feature over the decisions of a few
 *     training windows played in arrival order (std < 1e-6 → 1). Frozen for the whole run.
 *  0b. Optional behaviour cloning (`imitation`): the teacher order plays `windows` training
 *     windows (Rng(seed:imitation)); the network is fitted to its choices (cross-entropy of the
 *     masked softmax), and PPO starts from there. The cloned network is iteration 0 of the curve,
 *     so validation can keep it if PPO does not improve on it.
 *  1. Each iteration t draws `windowsPerIteration` training windows (Rng(seed:t)); each window is
 *     played `samplesPerWindow` times by the current network, sampling its actions.
 *  2. Advantage of episode k on window w: (R_k − mean_{j≠k} R_j) / (std_w(R) + 1e-8).
 *  3. `epochs` PPO gradient steps on all decisions of the iteration.
 *  4. Every `validateEvery` iterations, the greedy network plays the validation windows; the
 *     model with the lowest mean bounded slowdown on them is kept (never the evaluation windows).
 *
 * Deterministic for a seed: the simulator is, all randomness is Rng(seed:...), and TF.js runs
 * single-threaded on the WASM or CPU backend.
 */
export interface CurvePoint {
  readonly iteration: number;
  /** Mean bounded slowdown of the iteration's sampled episodes. */
  readonly trainBsld: number;
  /** Greedy mean bounded slowdown on the validation windows, when measured. */
  readonly validationBsld?: number;
  readonly seconds: number;
}

export interface QueueCheckpoint {
  readonly kind: 'drs-train-checkpoint';
  readonly config: QueueTrainConfig;
  readonly iteration: number;
  readonly scaling: { mean: number[]; std: number[] };
  readonly layers: DenseLayer[];
  readonly optimizer: { name: string; shape: number[]; values: number[] }[];
  readonly best: { iteration: number; validationBsld: number; layers: DenseLayer[] };
  readonly curve: CurvePoint[];
  readonly seconds: number;
}

export interface TrainHooks {
  /** Called after every iteration. */
  onIteration?(p: CurvePoint, totalIterations: number): void;
  /** Called every `checkpointEvery` iterations and at the end. */
  saveCheckpoint?(c: QueueCheckpoint): Promise<void>;
  /** Wall-clock seconds since the start (for the curve; not used in any decision). */
  elapsed?(): number;
}

/** The feature list a config trains on. */
export function configFeatures(cfg: QueueTrainConfig): readonly string[] {
  if (cfg.features === 'context') return QUEUE_FEATURES_CONTEXT;
  if (cfg.features === 'time-to-fit') return QUEUE_FEATURES_TIME_TO_FIT;
  return cfg.features === 'time-width' ? QUEUE_FEATURES_TIME_WIDTH : QUEUE_FEATURES;
}

export function netFile(cfg: QueueTrainConfig, scaling: { mean: number[]; std: number[] }, layers: readonly DenseLayer[]): PolicyNetFile {
  return { format: POLICY_NET_FORMAT, kind: 'queue', name: cfg.name, features: configFeatures(cfg), ...(cfg.candidates === 'arrival' ? {} : { candidates: cfg.candidates }), scaling, layers };
}

function drawWindow(cfg: QueueTrainConfig, rng: Rng): number {
  return drawInRanges(cfg.train.ranges, cfg.episodeLength, rng);
}

/** A training window; with `train.minLoad`, one where the classical order's bsld reaches the bar (≤ 50 draws). */
export async function drawLoadedWindow(cfg: QueueTrainConfig, rng: Rng, workload: BatchWorkload): Promise<number> {
  const m = cfg.train.minLoad;
  let w = drawWindow(cfg, rng);
  if (m === undefined) return w;
  for (let k = 1; k < 50; k++) {
    const b = (await replaySwfWindow(workload.jobs, w, cfg.episodeLength, workload.machine, classicPolicy(m.order, cfg.backfill === 'mixed' ? 'none' : cfg.backfill))).boundedSlowdown;
    if (b >= m.bsld) return w;
    w = drawWindow(cfg, rng);
  }
  return w;
}

export async function measureScaling(cfg: QueueTrainConfig, env: QueueEnv, layers: readonly DenseLayer[]): Promise<{ mean: number[]; std: number[] }> {
  const F = configFeatures(cfg).length;
  const net = new PolicyNet(netFile(cfg, { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) }, layers));
  const rng = new Rng(`${cfg.seed}:scaling`);
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  let rows = 0;
  for (let k = 0; k < 4; k++) {
    env.reset(cfg.seed, drawWindow(cfg, rng));
    const agent = firstAgent();
    await env.run(net, agent);
    for (const s of agent.steps) {
      for (let r = 0; r < s.n; r++) {
        for (let f = 0; f < F; f++) {
          const v = s.x[r * F + f] as number;
          sum[f] = (sum[f] as number) + v;
          sq[f] = (sq[f] as number) + v * v;
        }
        rows++;
      }
    }
  }
  const mean = Array.from(sum, (s) => (rows > 0 ? s / rows : 0));
  const std = Array.from(sq, (s, f) => {
    const v = rows > 0 ? s / rows - (mean[f] as number) ** 2 : 1;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  return { mean, std };
}

/** Greedy mean bounded slowdown of `net` on the given windows (each replayed alone). */
export async function evaluateQueueNet(workload: BatchWorkload, net: PolicyNet, windows: readonly number[], length: number, backfill: 'none' | 'easy'): Promise<number[]> {
  const env = new QueueEnv({ jobs: workload.jobs, machine: workload.machine, length, backfill });
  const out: number[] = [];
  for (const w of windows) {
    env.reset(1, w);
    out.push((await env.run(net)).boundedSlowdown);
  }
  return out;
}

/** Plain left-to-right mean (kept as is: the shipped models' training reproduces bit for bit with it). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What both trainers (PPO and CEM) need first: the backfilling modes, one environment per mode, the data checks and the starting model. */
export function queueSetup(cfg: QueueTrainConfig, workload: BatchWorkload): { modes: ('none' | 'easy')[]; envs: QueueEnv[]; from: PolicyNetFile | undefined } {
  const modes: ('none' | 'easy')[] = cfg.backfill === 'mixed' ? ['none', 'easy'] : [cfg.backfill];
  const envs = modes.map((backfill) => new QueueEnv({ jobs: workload.jobs, machine: workload.machine, length: cfg.episodeLength, backfill }));
  checkLogCovers(workload, cfg.train.ranges, cfg.validation, '');
  const from = cfg.init === undefined || cfg.init === F1_INIT ? undefined : loadPolicyNetFile(cfg.init, 'queue', configFeatures(cfg));
  return { modes, envs, from };
}

/**
 * The starting layers of `init: f1`: a linear scorer with one weight, on f1-rank, such that F1's
 * pick (rank 0) outscores the next in F1's order (rank 1) by one unit of score and every later
 * rank by more; the argmax is then F1's pick. Every other weight and the bias are 0, so the
 * search's first spread (cem.initStd) is measured against that one unit.
 */
export function f1Layers(features: readonly string[], scaling: { std: readonly number[] }): DenseLayer[] {
  const at = features.indexOf('f1-rank');
  if (at < 0) throw new ConfigError('init: f1 needs the f1-rank feature (features: context)', { field: 'features' });
  const weights = features.map((_, f) => (f === at ? -(scaling.std[f] as number) / Math.LN2 : 0));
  return [{ weights, bias: [0], activation: 'linear' }];
}

/** Validation score of a network: mean bsld over the validation windows, averaged over the training modes. */
export async function validationScore(cfg: QueueTrainConfig, workload: BatchWorkload, net: PolicyNet): Promise<number> {
  const modes: ('none' | 'easy')[] = cfg.backfill === 'mixed' ? ['none', 'easy'] : [cfg.backfill];
  let sum = 0;
  for (const m of modes) sum += mean(await evaluateQueueNet(workload, net, cfg.validation.windows, cfg.validation.length, m));
  return sum / modes.length;
}

/** The `training` record of a queue model file (what was trained on what, and which model was selected). */
export function trainingRecord(
  cfg: QueueTrainConfig,
  workload: BatchWorkload,
  r: { algorithm: string; imitation?: unknown; also?: readonly { trace: string; jobs: number; machine: number }[]; synthetic?: string; from: PolicyNetFile | undefined; best: { iteration: number; validationBsld: number }; iterations: number; seconds: number; curve: CurvePoint[] },
): Record<string, unknown> {
  return {
    algorithm: r.algorithm,
    config: cfg,
    data: { trace: workload.file, jobs: workload.jobs.length, machine: workload.machine },
    // Other logs trained and validated on (cross-log CEM); their windows are in `config.also`.
    ...(r.also === undefined || r.also.length === 0 ? {} : { alsoData: r.also }),
    // The synthetic log (`config.synthetic`): a resample's source, ranges, size, jitter and seed, or the Lublin model's size, machine and seed.
    ...(r.synthetic === undefined ? {} : { syntheticData: r.synthetic }),
    trainingRanges: cfg.train.ranges,
    validationWindows: cfg.validation.windows,
    validationLength: cfg.validation.length,
    evaluationWindows: cfg.evaluation.windows,
    evaluationLength: cfg.evaluation.length,
    ...(r.imitation === undefined ? {} : { imitation: r.imitation }),
    // The starting model's own record (its file may later be replaced by this one).
    ...(r.from === undefined ? {} : { init: { model: cfg.init, training: r.from.training } }),
    selected: { iteration: r.best.iteration, validationBsld: r.best.validationBsld },
    iterations: r.iterations,
    seconds: r.seconds,
    curve: r.curve,
  };
}

/** Train (or resume) a queue model; returns the selected model file (without evaluation). */
export async function trainQueue(tf: Tf, cfg: QueueTrainConfig, workload: BatchWorkload, hooks: TrainHooks = {}, resume?: QueueCheckpoint): Promise<{ model: PolicyNetFile; checkpoint: QueueCheckpoint }> {
  const F = configFeatures(cfg).length;
  const ppo = cfg.ppo;
  if (ppo === undefined) throw new ConfigError('this config has no `ppo` block (a `cem` config trains with trainQueueCem)', { field: 'ppo' });
  const { envs, from } = queueSetup(cfg, workload);
  const env = envs[0] as QueueEnv;
  /** Validation score: mean bsld over the validation windows, averaged over the training modes. */
  const validate = async (layers: readonly DenseLayer[]): Promise<number> => validationScore(cfg, workload, new PolicyNet(netFile(cfg, scaling, layers)));
  const elapsed = hooks.elapsed ?? (() => 0);
  const sizes = [F, ...cfg.network.hidden, 1];
  let init: DenseLayer[] = resume?.layers ?? (from === undefined ? undefined : [...from.layers]) ?? initLayers(sizes, new Rng(`${cfg.seed}:init`));
  const scaling = resume?.scaling ?? (from === undefined ? await measureScaling(cfg, env, init) : { mean: [...from.scaling.mean], std: [...from.scaling.std] });
  if (resume === undefined && cfg.init === F1_INIT) init = f1Layers(configFeatures(cfg), scaling);
  const learner = new PpoLearner(tf, init, ppo);
  if (resume !== undefined) await learner.setOptimizerState(resume.optimizer);
  let imitationLoss: number | undefined;
  if (resume === undefined && cfg.imitation !== undefined) {
    const im = cfg.imitation;
    const rng = new Rng(`${cfg.seed}:imitation`);
    const net0 = new PolicyNet(netFile(cfg, scaling, init));
    const episodes: Episode[] = [];
    for (let k = 0; k < im.windows; k++) {
      env.reset(cfg.seed, await drawLoadedWindow(cfg, rng, workload));
      episodes.push(await env.run(net0, teacherAgent(ORDER_KEYS[im.teacher])));
    }
    imitationLoss = learner.imitate(buildBatch([episodes], scaling, F), im.steps, im.learningRate);
  }
  const start = resume === undefined ? learner.layers() : init;
  const curve: CurvePoint[] = [...(resume?.curve ?? [])];
  let best = resume?.best ?? { iteration: 0, validationBsld: Infinity, layers: start };
  const t0 = resume?.seconds ?? 0;
  let it = resume?.iteration ?? 0;
  const checkpoint = async (): Promise<QueueCheckpoint> => ({
    kind: 'drs-train-checkpoint',
    config: cfg,
    iteration: it,
    scaling,
    layers: learner.layers(),
    optimizer: await learner.optimizerState(),
    best,
    curve,
    seconds: t0 + elapsed(),
  });
  if (resume === undefined) {
    const v = await validate(start);
    best = { iteration: 0, validationBsld: v, layers: start };
    curve.push({ iteration: 0, trainBsld: NaN, validationBsld: v, seconds: t0 + elapsed() });
  }
  while (it < ppo.iterations) {
    it++;
    const rng = new Rng(`${cfg.seed}:iter:${it}`);
    const net = new PolicyNet(netFile(cfg, scaling, learner.layers()));
    const groups: Episode[][] = [];
    for (let w = 0; w < ppo.windowsPerIteration; w++) {
      const start = await drawLoadedWindow(cfg, rng, workload);
      const g: Episode[] = [];
      for (let k = 0; k < ppo.samplesPerWindow; k++) {
        const e = envs[w % envs.length] as QueueEnv;
        e.reset(cfg.seed, start);
        g.push(await e.run(net, sampleAgent(rng.fork(`w${w}:k${k}`))));
      }
      groups.push(g);
    }
    learner.update(buildBatch(groups, scaling, F));
    const trainBsld = mean(groups.flat().map((e) => e.boundedSlowdown));
    let validationBsld: number | undefined;
    if (it % cfg.validateEvery === 0 || it === ppo.iterations) {
      const layers = learner.layers();
      validationBsld = await validate(layers);
      if (validationBsld < best.validationBsld) best = { iteration: it, validationBsld, layers };
    }
    const p: CurvePoint = { iteration: it, trainBsld, ...(validationBsld === undefined ? {} : { validationBsld }), seconds: t0 + elapsed() };
    curve.push(p);
    hooks.onIteration?.(p, ppo.iterations);
    if (hooks.saveCheckpoint !== undefined && (it % cfg.checkpointEvery === 0 || it === ppo.iterations)) await hooks.saveCheckpoint(await checkpoint());
  }
  const cp = await checkpoint();
  learner.dispose();
  const model: PolicyNetFile = {
    ...netFile(cfg, scaling, best.layers),
    training: trainingRecord(cfg, workload, {
      algorithm: 'PPO (clipped surrogate, action masking, leave-one-out episode baseline)',
      ...(imitationLoss === undefined ? {} : { imitation: { ...cfg.imitation, finalLoss: imitationLoss } }),
      from,
      best,
      iterations: it,
      seconds: cp.seconds,
      curve,
    }),
  };
  return { model, checkpoint: cp };
}
