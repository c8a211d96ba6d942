import path, { resolve } from 'node:path';
import { LearnedAllocator } from '../algorithms/learned.js';
import { ConfigError } from '../core/errors.js';
import type { PolicyNetFile } from '../core/policy-net.js';
import type { AllocatorTrainConfig } from '../learn/config.js';
import { configErrorAt, inConfig, namedFile } from '../learn/config-file.js';
import { trainFleet } from '../learn/fleet.js';
import { loadTf } from '../predict/tf-runtime.js';
import { buildScenario } from '../scenario/build.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { classicalStrategies, versusOnSeeds, versusTable, type VersusEvaluation } from '../sweep/versus.js';
import { resolveDataRoot } from './args.js';
import type { CliIo } from './command.js';
import { prepareOutputFile } from './output.js';
import { refuseCollisions, writeModel } from './train-output.js';

export interface AllocatorEvaluationInput {
  readonly model: PolicyNetFile;
  readonly scenario: Scenario;
  /** The scenario file (absolute), for relative paths and errors. */
  readonly scenarioFile: string;
  /** How the evaluation names the scenario (a path relative to the working directory). */
  readonly scenarioLabel: string;
  readonly seeds: readonly number[];
  readonly dataRoot: string;
  readonly onSeed?: (line: string, done: number, total: number) => void;
}

/**
 * A learned allocator against first-fit, best-fit-decreasing, worst-fit and round-robin, each
 * without and with priority preemption, on the model's evaluation seeds of its scenario (the
 * scenario's queue and scaling policy for all): what `drs train` writes as the model's
 * `evaluation` and bench/learn-fleet.ts re-measures.
 */
export function evaluateAllocatorModel(o: AllocatorEvaluationInput): Promise<VersusEvaluation> {
  return versusOnSeeds({
    scenario: o.scenarioLabel,
    seeds: o.seeds,
    build: (seed) => buildScenario(o.scenario, { file: o.scenarioFile, dataRoot: o.dataRoot, seed }),
    candidate: { label: `learned:${o.model.name}`, allocator: () => new LearnedAllocator(o.model) },
    others: classicalStrategies(),
    ...(o.onSeed === undefined ? {} : { onSeed: o.onSeed }),
  });
}

/**
 * `kind: allocator`: PPO on the scenario's workload drawn with the training seeds, then (unless
 * `evaluate` is false) the evaluation on the evaluation seeds. The model is written before its
 * evaluation, so an evaluation that fails cannot lose it.
 */
export async function trainAllocator(cfg: AllocatorTrainConfig, file: string, opts: { out: string | undefined; evaluate: boolean; timings: boolean }, io: CliIo): Promise<number> {
  const { evaluate, timings } = opts;
  const outPath = resolve(io.cwd, opts.out ?? `models/allocator/${cfg.name}.json`);
  const scenarioFile = namedFile(file, 'scenario', cfg.scenario, 'scenario file');
  refuseCollisions([{ field: 'out', label: `--out ${outPath}`, what: 'the model', file: outPath }], [{ what: 'the training config', file }, { what: 'the scenario', file: scenarioFile }]);
  const out = prepareOutputFile('out', outPath);
  const sc = await loadScenario(scenarioFile);
  if (sc.protocol !== undefined) {
    throw configErrorAt(file, 'scenario', `${cfg.scenario} runs protocol rlscheduler (SWF windows on one node), where allocators all place alike: an allocator trains on a scenario of pools and a workload (train a queue model on an SWF log with kind: queue)`);
  }
  const dataRoot = resolveDataRoot(undefined, io.env, io.cwd);
  const scenario = (seed: number) => buildScenario(sc, { file: scenarioFile, dataRoot, seed });
  const { tf, backend } = await loadTf();
  io.err(`drs train: allocator ${cfg.name} on ${scenarioFile}, TF.js backend ${backend}, seed ${cfg.seed}\n`);
  const t0 = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  let model;
  try {
    model = await trainFleet(tf, cfg, scenario, {
      elapsed,
      onIteration: (p, total) =>
        io.err(`iteration ${p.iteration}/${total}: train reward ${p.trainReward.toFixed(4)}${p.validationReward === undefined ? '' : `, validation reward ${p.validationReward.toFixed(4)}`} (${p.seconds.toFixed(0)} s)\n`),
    });
  } catch (e) {
    throw e instanceof ConfigError ? inConfig(e, file) : e;
  }
  // The TF.js backend trained it: its float rounding differs, so the same config and seed give other weights on another.
  model = { ...model, training: { ...(model.training as object), tfBackend: backend } };
  writeModel(out, model, { timings });
  const seeds = cfg.evaluation.seeds;
  io.err(`wrote ${out}${evaluate ? `; evaluating it on ${seeds.length} evaluation seeds against the classical strategies` : ''}\n`);
  if (!evaluate) return 0;
  let evaluation;
  try {
    evaluation = await evaluateAllocatorModel({
      model,
      scenario: sc,
      scenarioFile,
      scenarioLabel: path.relative(io.cwd, scenarioFile) || scenarioFile,
      seeds,
      dataRoot,
      onSeed: (line, done, total) => io.err(`[${done}/${total}] ${line}\n`),
    });
  } catch (e) {
    io.err(`drs train: the evaluation failed; ${out} holds the trained model without it (compare it with drs run on a scenario whose strategies include learned:${out})\n`);
    throw e;
  }
  writeModel(out, { ...model, evaluation }, { timings });
  io.err(`wrote ${out} with its evaluation\n`);
  io.out(versusTable(evaluation));
  return 0;
}
