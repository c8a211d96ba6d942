import { PolicyNet, type DenseLayer, type PolicyNetFile } from '../core/policy-net.js';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { F1_INIT, type QueueTrainConfig } from './config.js';
import type { QueueEnv } from './env.js';
import { CemPool, type CemEpisode } from './cem-pool.js';
import { flatten, unflatten } from './weights.js';
import { CrossLogValidator, crossLogValidation, drawInRanges, trainLogs } from './cross-log.js';
import { initLayers } from './ppo.js';
import { classicPolicy, replaySwfWindow, type BatchWorkload } from './sim-adapter.js';
import { configFeatures, drawLoadedWindow, f1Layers, mean, measureScaling, netFile, queueSetup, trainingRecord, validationScore, type CurvePoint, type QueueCheckpoint, type TrainHooks } from './train-queue.js';

/**
 * Training a learned-queue model with the cross-entropy method (CEM), the alternative to PPO for
 * the HPC queue (`cem:` in the training config instead of `ppo:`).
 *
 * Why: the queue's reward comes once per episode (the window's mean bounded slowdown) after more
 * than a thousand decisions, so a per-decision policy gradient has to untangle which of them
 * mattered from very few episodes; and each PPO episode pays for TensorFlow. CEM searches the
 * weights directly and scores whole episodes, with the forward pass written over the weights (no
 * TensorFlow at all), so the same budget plays about a hundred times more episodes. It is the
 * classic policy-search baseline for such problems (Szita & Lőrincz 2006, Tetris) and needs no
 * credit assignment at all. Its limit is the number of weights: a linear scorer (`network.hidden:
 * []`, 10 weights) or a small network suits it; PPO remains the method for larger networks.
 *
 * Generation g (all randomness from Rng(seed:cem:g), so a run is deterministic for its seed and
 * `--resume` continues exactly):
 *
 *  1. draw `windowsPerGeneration` training windows (with `train.minLoad`, loaded ones); under
 *     `backfill: mixed` they alternate between no backfilling and EASY; with `commonWindows` the
 *     windows (own, other logs' and synthetic) are drawn once from Rng(seed:cem:windows) and every
 *     generation plays them, so only the weights differ between generations' scores;
 *  2. sample `population` weight vectors θ_i = μ + σ ⊙ ε_i (θ_0 = μ, the current mean);
 *  3. score θ_i = mean over the windows of bsld(θ_i, w) / bsld(normalizeBy order, w): dividing by
 *     a classical order's bsld on the same window removes the windows' difficulty, which differs
 *     by orders of magnitude (the role the per-window normalisation plays in PPO); with
 *     `normalizeBy: none` the score is the raw mean bsld, so heavy windows weigh more;
 *  4. μ ← mean of the `elite` best, σ ← their standard deviation + minStd (per weight); with
 *     `smoothing` α < 1, μ ← α·(that mean) + (1 − α)·μ and σ likewise (a steadier search: the
 *     mean no longer jumps to each generation's elite, which noisy fitness picks partly by luck).
 *
 * With `also:` (other logs, see cross-log.ts) each generation also plays `also[i].windows` windows
 * of every other log (drawn after the own log's, from the same Rng, each alternating the modes
 * under `mixed`), and validation is the cross-log score S instead of the own log's mean bsld.
 *
 * With `synthetic:` each generation also plays `synthetic.windows` windows of a log resampled from
 * the own log's training ranges (resampled-log.ts) or drawn from the Lublin model (lublin-log.ts),
 * after the other logs'; with `synthetic.validation` a second such log's windows join the
 * validation score S as another log's.
 *
 * Every `validateEvery` generations the mean μ plays the validation windows, and the best one is
 * the model written, as with PPO (never the evaluation windows). Decisions take the argmax of the
 * scores over the present candidates, as at decision time: the mask is the candidate list.
 */

export { flatten, unflatten } from './weights.js';

/** Train (or resume) a queue model with CEM; returns the selected model file (without evaluation). */
export async function trainQueueCem(
  cfg: QueueTrainConfig,
  workload: BatchWorkload,
  hooks: TrainHooks = {},
  resume?: QueueCheckpoint,
  also: readonly BatchWorkload[] = [],
  /** Worker threads playing the population (≤ 1: this thread); the result is the same for any count. */
  threads = 1,
): Promise<{ model: PolicyNetFile; checkpoint: QueueCheckpoint }> {
  const cem = cfg.cem;
  if (cem === undefined) throw new ConfigError('this config has no `cem` block', { field: 'cem' });
  const F = configFeatures(cfg).length;
  const { modes, envs, from } = queueSetup(cfg, workload);
  const logs = trainLogs(cfg, workload, also);
  const crossLog = crossLogValidation(cfg) ? new CrossLogValidator(logs, cfg.validationModes, cfg.validationWeighting) : undefined;
  const elapsed = hooks.elapsed ?? (() => 0);
  let shape: DenseLayer[] = resume?.layers ?? (from === undefined ? undefined : [...from.layers]) ?? initLayers([F, ...cfg.network.hidden, 1], new Rng(`${cfg.seed}:init`));
  const scaling = resume?.scaling ?? (from === undefined ? await measureScaling(cfg, envs[0] as QueueEnv, shape) : { mean: [...from.scaling.mean], std: [...from.scaling.std] });
  if (resume === undefined && cfg.init === F1_INIT) shape = f1Layers(configFeatures(cfg), scaling);
  const net = (theta: readonly number[]): PolicyNet => new PolicyNet(netFile(cfg, scaling, unflatten(theta, shape)));
  const validate = async (theta: readonly number[]): Promise<number> => (crossLog === undefined ? validationScore(cfg, workload, net(theta)) : crossLog.score(net(theta)));
  // Reference bsld of the normalising order per (log, window, mode), computed once.
  const refCache = new Map<string, number>();
  const reference = async (log: number, w: number, mode: 'none' | 'easy'): Promise<number> => {
    if (cem.normalizeBy === 'none') return 1;
    const key = `${log}:${w}:${mode}`;
    let v = refCache.get(key);
    if (v === undefined) {
      const wl = (logs[log] as { workload: BatchWorkload }).workload;
      v = (await replaySwfWindow(wl.jobs, w, cfg.episodeLength, wl.machine, classicPolicy(cem.normalizeBy, mode))).boundedSlowdown;
      refCache.set(key, v);
    }
    return v;
  };

  let mu = flatten(shape);
  let sigma = resume?.optimizer.find((o) => o.name === 'cem-std')?.values ?? mu.map(() => cem.initStd);
  if (sigma.length !== mu.length) throw new ConfigError(`checkpoint: cem-std has ${sigma.length} values for ${mu.length} weights`, { field: 'checkpoint' });
  const curve: CurvePoint[] = [...(resume?.curve ?? [])];
  let best = resume?.best ?? { iteration: 0, validationBsld: Infinity, layers: shape };
  const t0 = resume?.seconds ?? 0;
  let gen = resume?.iteration ?? 0;
  const checkpoint = (): QueueCheckpoint => ({
    kind: 'drs-train-checkpoint',
    config: cfg,
    iteration: gen,
    scaling,
    layers: unflatten(mu, shape),
    optimizer: [{ name: 'cem-std', shape: [sigma.length], values: [...sigma] }],
    best,
    curve,
    seconds: t0 + elapsed(),
  });
  if (resume === undefined) {
    const v = await validate(mu);
    best = { iteration: 0, validationBsld: v, layers: unflatten(mu, shape) };
    curve.push({ iteration: 0, trainBsld: NaN, validationBsld: v, seconds: t0 + elapsed() });
  }
  // A generation's episodes: the own log's windows first, then each other log's.
  const drawEpisodes = async (rng: Rng): Promise<CemEpisode[]> => {
    const episodes: CemEpisode[] = [];
    for (let k = 0; k < cem.windowsPerGeneration; k++) episodes.push({ log: 0, start: await drawLoadedWindow(cfg, rng, workload), mode: modes[k % modes.length] as 'none' | 'easy' });
    for (let l = 1; l < logs.length; l++) {
      const log = logs[l] as (typeof logs)[number];
      for (let k = 0; k < log.windows; k++) episodes.push({ log: l, start: drawInRanges(log.ranges, cfg.episodeLength, rng), mode: modes[k % modes.length] as 'none' | 'easy' });
    }
    return episodes;
  };
  const common = cem.commonWindows === true ? await drawEpisodes(new Rng(`${cfg.seed}:cem:windows`)) : undefined;
  const pool = new CemPool({ cfg, logs: logs.map((l) => ({ jobs: l.workload.jobs, machine: l.workload.machine })), scaling, shape }, threads);
  try {
    while (gen < cem.generations) {
      gen++;
      const rng = new Rng(`${cfg.seed}:cem:${gen}`);
      const episodes = common ?? (await drawEpisodes(rng));
      const thetas: number[][] = [];
      for (let i = 0; i < cem.population; i++) thetas.push(i === 0 ? [...mu] : mu.map((m, d) => m + (sigma[d] as number) * rng.normal()));
      const refs: number[] = [];
      for (const e of episodes) refs.push(Math.max(1, await reference(e.log, e.start, e.mode)));
      const played = await pool.play(thetas, episodes);
      const population = thetas.map((theta, i) => {
        let score = 0;
        let bsld = 0;
        (played[i] as number[]).forEach((b, k) => {
          bsld += b;
          score += b / (refs[k] as number);
        });
        return { theta, score: score / episodes.length, bsld: bsld / episodes.length };
      });
      const trainBsld = (population[0] as { bsld: number }).bsld;
      // Stable sort: ties keep the sampling order, so the run is deterministic.
      const elite = [...population].sort((a, b) => a.score - b.score).slice(0, cem.elite);
      const eliteMean = mu.map((_, d) => mean(elite.map((e) => e.theta[d] as number)));
      const eliteStd = eliteMean.map((m, d) => Math.sqrt(mean(elite.map((e) => ((e.theta[d] as number) - m) ** 2))) + cem.minStd);
      const a = cem.smoothing ?? 1;
      mu = a === 1 ? eliteMean : eliteMean.map((m, d) => a * m + (1 - a) * (mu[d] as number));
      sigma = a === 1 ? eliteStd : eliteStd.map((s, d) => a * s + (1 - a) * (sigma[d] as number));
      let validationBsld: number | undefined;
      if (gen % cfg.validateEvery === 0 || gen === cem.generations) {
        validationBsld = await validate(mu);
        if (validationBsld < best.validationBsld) best = { iteration: gen, validationBsld, layers: unflatten(mu, shape) };
      }
      const p: CurvePoint = { iteration: gen, trainBsld, ...(validationBsld === undefined ? {} : { validationBsld }), seconds: t0 + elapsed() };
      curve.push(p);
      hooks.onIteration?.(p, cem.generations);
      if (hooks.saveCheckpoint !== undefined && (gen % cfg.checkpointEvery === 0 || gen === cem.generations)) await hooks.saveCheckpoint(checkpoint());
    }
  } finally {
    await pool.close();
  }
  const cp = checkpoint();
  const model: PolicyNetFile = {
    ...netFile(cfg, scaling, best.layers),
    training: trainingRecord(cfg, workload, {
      also: also.map((w) => ({ trace: w.file, jobs: w.jobs.length, machine: w.machine })),
      ...(cfg.synthetic === undefined ? {} : { synthetic: logs.slice(1 + also.length).map((l) => l.workload.file).join('; ') }),
      algorithm: `CEM (cross-entropy method over the network weights; episode score: ${cem.normalizeBy === 'none' ? 'mean bounded slowdown' : `mean bounded slowdown ÷ ${cem.normalizeBy.toUpperCase()}'s on the same window`})`,
      from,
      best,
      iterations: gen,
      seconds: cp.seconds,
      curve,
    }),
  };
  return { model, checkpoint: cp };
}
