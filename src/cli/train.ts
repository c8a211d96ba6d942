import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { ConfigError, UserError } from '../core/errors.js';
import { withBackfillingScorer, type PolicyNetFile } from '../core/policy-net.js';
import { queueIterations, withQueueIterations, type QueueTrainConfig } from '../learn/config.js';
import { configErrorAt, inConfig, namedFile, readConfig } from '../learn/config-file.js';
import { trainQueueCem } from '../learn/cem.js';
import { readQueueCheckpoint, writeQueueCheckpoint } from '../learn/checkpoint.js';
import { checkLogCovers, crossLogValidation } from '../learn/cross-log.js';
import { withConfiguredPlanner } from '../learn/planner-build.js';
import { DEFAULT_JITTER } from '../learn/resampled-log.js';
import { numberFlag, parseFlags } from './args.js';
import { prepareOutputFile } from './output.js';
import { evaluateQueueModel } from '../learn/evaluate.js';
import { loadBatchWorkload, type BatchWorkload } from '../learn/sim-adapter.js';
import { configFeatures, trainQueue, type QueueCheckpoint, type TrainHooks } from '../learn/train-queue.js';
import { loadTf } from '../predict/tf-runtime.js';
import type { CliCommand, CliIo } from './command.js';
import { trainAllocator } from './train-allocator.js';
import { queueEvaluationTable, refuseCollisions, writeModel, type TrainOutput } from './train-output.js';

/** The most CEM worker threads: 4 × the cores (more only cost memory; the model is the same for any count). */
const MAX_THREADS = 4 * os.availableParallelism();

const USAGE = `drs train CONFIG.yaml [options]

Train a learned strategy with PPO (TensorFlow.js: @tensorflow/tfjs-node when installed, else the
WASM backend; DRS_TF_BACKEND=node|wasm|cpu forces one), or a queue model with the cross-entropy
method (a \`cem\` block instead of \`ppo\`; no TensorFlow). The config (see train/*.yaml) names the
data, the training ranges, the validation windows (model selection) and the evaluation windows
(never trained or selected on); a CEM queue config may add other logs to train and validate on
(\`also\`) and a synthetic log: resampled from its own training part, or drawn from the
Lublin–Feitelson model (\`synthetic\`, \`synthetic.model: lublin99\`; docs/learned.md), and a
\`planner\` block, built after training from the config's training ranges (docs/learned.md,
"The planner").
Writes the selected model with its training record and, unless
--no-eval, its evaluation: a queue model's on the evaluation windows next to FCFS, SJF and F1
measured in the same run; an allocator's on the evaluation seeds of its scenario against
first-fit, best-fit-decreasing, worst-fit and round-robin, each with and without preemption
(SLA attainment and cost: mean, 95 % interval, paired difference per seed).

Options:
  --out FILE         model file (default models/queue/NAME.json, models/allocator/NAME.json)
  --checkpoint FILE  queue models: checkpoint file (default train/checkpoints/NAME.json),
                     written every checkpointEvery iterations
  --resume           queue models: continue from the checkpoint file
  --seed N           override the config's seed
  --iterations N     override ppo.iterations (cem.generations)
                     (--seed and --iterations apply to the config named here, not to a
                     withBackfilling config it names; that one trains as written, checkpointed
                     to the checkpoint file's name + -backfilling.json)
  --no-eval          skip the evaluation (windows for a queue model, seeds for an allocator)
  --no-timings       leave the wall-clock and CPU seconds out of the model's training record:
                     the model file is then the same bytes for the same config, data and seed
  --threads N        CEM: worker threads playing each generation's population (default: the
                     cores here, ${os.availableParallelism()}; at most 4 × that, ${MAX_THREADS}); the model is
                     the same for any N. Refused for PPO and allocator configs
  -h, --help         this text

Example:
  drs train train/sdsc-sp2.yaml`;

/** Read and check a training config (src/learn/config-file.ts; here for the callers that import it from the command). */
export { readConfig };

const TRAIN_OPTIONS = {
  out: { type: 'string' },
  checkpoint: { type: 'string' },
  resume: { type: 'boolean' },
  seed: { type: 'string' },
  iterations: { type: 'string' },
  'no-eval': { type: 'boolean' },
  'no-timings': { type: 'boolean' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a learned queue policy (CEM or PPO) or allocator (PPO) and write its model file',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const parsed = parseFlags(argv, TRAIN_OPTIONS, USAGE);
    const { values, positionals } = parsed;
    if (values.help === true) {
      io.out(USAGE + '\n');
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expected one training config (drs train CONFIG.yaml)\n${USAGE}`);
    const file = resolve(io.cwd, positionals[0] as string);
    let cfg = readConfig(file);
    const int = (flag: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      if (!/^-?\d+$/.test(v)) throw new UserError(`--${flag} must be an integer, got '${v}'`, { field: flag });
      return numberFlag(v, flag, { integer: true }) as number;
    };
    const seed = int('seed', values.seed);
    // Seconds in the training record are wall clock; --no-timings leaves them out of the model file.
    const timings = values['no-timings'] !== true;
    const iterations = int('iterations', values.iterations);
    if (iterations !== undefined && iterations < 1) throw new UserError('--iterations must be ≥ 1', { field: 'iterations' });
    const threads = int('threads', values.threads) ?? os.availableParallelism();
    if (threads < 1) throw new UserError('--threads must be ≥ 1', { field: 'threads' });
    if (threads > MAX_THREADS) throw new UserError(`--threads ${threads} is more than ${MAX_THREADS} (4 × the ${os.availableParallelism()} cores here): threads beyond the cores only cost memory, and the model is the same for any count`, { field: 'threads' });
    if (seed !== undefined) cfg = { ...cfg, seed };
    if (iterations !== undefined) cfg = cfg.kind === 'queue' ? withQueueIterations(cfg, iterations) : { ...cfg, ppo: { ...cfg.ppo, iterations } };
    if (cfg.kind === 'allocator') {
      // An allocator trains in one PPO run: no checkpoints, no CEM threads.
      const queueOnly = (['checkpoint', 'resume', 'threads'] as const).filter((k) => values[k] !== undefined && values[k] !== false);
      if (queueOnly.length > 0) throw new UserError(`${queueOnly.map((k) => `--${k}`).join(', ')}: for queue models only; an allocator config (kind: allocator) trains in one PPO run, in one thread of TensorFlow.js`, { field: queueOnly[0] as string });
      return trainAllocator(cfg, file, { out: values.out, evaluate: values['no-eval'] !== true, timings }, io);
    }
    const queueCfg: QueueTrainConfig = cfg;
    const outPath = resolve(io.cwd, values.out ?? `models/queue/${cfg.name}.json`);
    const ckptPath = resolve(io.cwd, values.checkpoint ?? `train/checkpoints/${cfg.name}.json`);
    // The scorer for runs with backfilling (`withBackfilling`): its config is checked before any training.
    const bf = cfg.withBackfilling === undefined ? undefined : backfillingConfig(cfg, file);
    if (values.threads !== undefined && cfg.cem === undefined && bf?.cfg.cem === undefined) {
      throw new UserError('--threads: for CEM configs only (a `cem` block); this config trains with PPO, in one thread of TensorFlow.js', { field: 'threads' });
    }
    const outputs: TrainOutput[] = [
      { field: 'out', label: `--out ${outPath}`, what: 'the model', file: outPath },
      { field: 'checkpoint', label: `--checkpoint ${ckptPath}`, what: 'the checkpoint', file: ckptPath },
      ...(bf === undefined ? [] : [{ field: 'checkpoint' as const, label: `${backfillingCheckpoint(ckptPath)} (--checkpoint + -backfilling.json)`, what: "the withBackfilling run's checkpoint", file: backfillingCheckpoint(ckptPath) }]),
    ];
    refuseCollisions(outputs, [
      { what: 'the training config', file },
      ...(bf === undefined ? [] : [{ what: 'the withBackfilling config', file: bf.file }, { what: "the withBackfilling config's log", file: resolve(dirname(bf.file), bf.cfg.trace) }]),
      { what: 'the log', file: resolve(dirname(file), cfg.trace) },
      ...(cfg.also ?? []).map((a, i) => ({ what: `the log of also[${i}]`, file: resolve(dirname(file), a.trace) })),
    ]);
    const out = prepareOutputFile('out', outPath);
    const ckptFile = prepareOutputFile('checkpoint', ckptPath);
    if (bf === undefined) refuseToDropScorer(out, values.out !== undefined);
    const evaluate = values['no-eval'] !== true;
    // Both configs' logs are loaded and checked before any training: the second config's mistakes are not found hours in.
    const logs = await loadQueueLogs(cfg, file, evaluate);
    const bfLogs = bf === undefined ? undefined : await loadQueueLogs(bf.cfg, bf.file, false);
    const { model, workload } = await trainQueueRun(cfg, file, logs, ckptFile, values.resume === true, threads, io);
    let trained = model;
    if (bf !== undefined) {
      io.err(`drs train: now the scorer for runs with backfilling, from ${bf.file}\n`);
      const ckpt2 = backfillingCheckpoint(ckptFile);
      // With --resume the second run continues from its checkpoint if it got as far as writing one.
      const second = await trainQueueRun(bf.cfg, bf.file, bfLogs as QueueLogs, ckpt2, values.resume === true && existsSync(ckpt2), threads, io);
      trained = withBackfillingScorer(model, second.model);
    }
    if (queueCfg.planner !== undefined) {
      try {
        trained = withConfiguredPlanner(trained, queueCfg, workload);
      } catch (e) {
        throw e instanceof ConfigError ? configErrorAt(file, 'planner', e.message) : e;
      }
      const p = trained.planner;
      io.err(`drs train: planner added: rollout of ${p?.candidates} candidates under ${p?.samples} futures of ${p?.future} arrivals, workload of ${p?.workload.jobs.length} jobs from training ranges ${JSON.stringify(queueCfg.train.ranges)} (seed ${p?.seed})\n`);
    }
    // The model is written before its evaluation: an evaluation that fails cannot lose it.
    writeModel(out, trained, { timings });
    io.err(`wrote ${out}${evaluate ? '; evaluating it' : ''}\n`);
    if (!evaluate) return 0;
    const { windows, length } = cfg.evaluation;
    let evaluation;
    try {
      evaluation = await evaluateQueueModel(trained, workload, windows, length);
    } catch (e) {
      io.err(`drs train: the evaluation failed; ${out} holds the trained model without it (evaluate it with drs replay-swf ${workload.file} --policy learned-queue:${out} --windows ${windows.join(',')} --length ${length}, with --backfill none and easy)\n`);
      throw e;
    }
    writeModel(out, { ...trained, evaluation }, { timings });
    io.err(`wrote ${out} with its evaluation\n`);
    io.out(queueEvaluationTable(evaluation, out));
    return 0;
  },
};

interface QueueLogs {
  readonly trace: string;
  readonly workload: BatchWorkload;
  readonly also: readonly BatchWorkload[];
}

/**
 * A queue config's logs (its own and `also`), each checked to hold the jobs the config names; with
 * `evaluate` (the model is evaluated on the own log afterwards), the evaluation windows too.
 */
async function loadQueueLogs(cfg: QueueTrainConfig, file: string, evaluate: boolean): Promise<QueueLogs> {
  const trace = resolve(dirname(file), cfg.trace);
  let workload: BatchWorkload;
  try {
    workload = await loadBatchWorkload(trace);
  } catch (e) {
    throw e instanceof UserError ? configErrorAt(file, 'trace', e.message) : e;
  }
  try {
    checkLogCovers(workload, cfg.train.ranges, cfg.validation, '', evaluate ? cfg.evaluation : undefined);
  } catch (e) {
    throw e instanceof ConfigError ? inConfig(e, file) : e;
  }
  const also = [];
  for (const [i, a] of (cfg.also ?? []).entries()) {
    let w;
    try {
      w = await loadBatchWorkload(resolve(dirname(file), a.trace));
    } catch (e) {
      throw e instanceof UserError ? configErrorAt(file, `also[${i}].trace`, e.message) : e;
    }
    try {
      checkLogCovers(w, a.train.ranges, a.validation, `also[${i}].`);
    } catch (e) {
      throw e instanceof ConfigError ? inConfig(e, file) : e;
    }
    also.push(w);
  }
  return { trace, workload, also };
}

/**
 * One queue training run (PPO or CEM) on its loaded logs: progress, checkpoints and `--resume`;
 * returns the selected model, with the run's CPU seconds in its record, and the config's own log.
 */
async function trainQueueRun(cfg: QueueTrainConfig, file: string, logs: QueueLogs, ckptFile: string, resumeFlag: boolean, threads: number, io: CliIo): Promise<{ model: PolicyNetFile; workload: BatchWorkload }> {
  const { trace, workload, also } = logs;
  let resume: QueueCheckpoint | undefined;
  if (resumeFlag) resume = readQueueCheckpoint(ckptFile, cfg);
  // CEM plays the forward pass written over the weights: no TensorFlow.
  const useCem = cfg.cem !== undefined;
  const tfl = useCem ? undefined : await loadTf();
  const method = tfl === undefined ? `CEM (no TensorFlow, ${threads} thread${threads === 1 ? '' : 's'})` : `PPO, TF.js backend ${tfl.backend}`;
  io.err(`drs train: ${cfg.name} on ${trace} (${workload.jobs.length} jobs, ${workload.machine} processors), ${method}, seed ${cfg.seed}, backfilling ${cfg.backfill}${resume === undefined ? '' : `, resuming at iteration ${resume.iteration}`}\n`);
  for (const w of also) io.err(`  also on ${w.file} (${w.jobs.length} jobs, ${w.machine} processors)\n`);
  if (cfg.synthetic !== undefined) {
    const syn = cfg.synthetic;
    const source = syn.model === 'lublin99' ? `drawn from the Lublin–Feitelson model for ${workload.machine} nodes` : `resampled from jobs ${JSON.stringify(cfg.train.ranges)} of the own log (jitter ${syn.jitter ?? DEFAULT_JITTER})`;
    io.err(`  also on a log of ${syn.jobs} jobs ${source}, ${syn.windows} windows per generation\n`);
  }
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  const bar = io.interactive
    ? new cliProgress.SingleBar({ format: 'train [{bar}] {value}/{total} | bsld {reward} | val {val} | {duration_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(queueIterations(cfg), resume?.iteration ?? 0, { reward: '-', val: '-' });
  let lastVal = '-';
  // With other logs (`also`, or a validation resample), validation is the cross-log score S (F1 = 1), not a bsld.
  const valLabel = crossLogValidation(cfg) ? 'validation score S' : 'validation bsld';
  const valDigits = crossLogValidation(cfg) ? 4 : 2;
  const hooks: TrainHooks = {
    elapsed,
    onIteration: (p, total) => {
      if (p.validationBsld !== undefined) lastVal = p.validationBsld.toFixed(valDigits);
      if (bar !== undefined) bar.update(p.iteration, { reward: p.trainBsld.toFixed(2), val: lastVal });
      else io.err(`iteration ${p.iteration}/${total}: train bsld ${p.trainBsld.toFixed(2)}${p.validationBsld === undefined ? '' : `, ${valLabel} ${p.validationBsld.toFixed(valDigits)}`} (${p.seconds.toFixed(0)} s)\n`);
    },
    saveCheckpoint: async (c) => {
      mkdirSync(dirname(ckptFile), { recursive: true });
      writeQueueCheckpoint(ckptFile, c);
    },
  };
  let model: PolicyNetFile;
  try {
    ({ model } = tfl === undefined ? await trainQueueCem(cfg, workload, hooks, resume, also, threads) : await trainQueue(tfl.tf, cfg, workload, hooks, resume));
  } catch (e) {
    // A config mistake found against the data (a resample with too few training jobs, a range past
    // the end of an `also` log) names its field; say which config file and line too.
    throw e instanceof ConfigError ? inConfig(e, file) : e;
  }
  bar?.stop();
  // CPU seconds of this process (training and its validation), beside the wall clock in `seconds`;
  // for PPO the TF.js backend too: its float rounding differs, so the same seed trains other weights on another.
  const cpu = process.cpuUsage(cpu0);
  return { model: { ...model, training: { ...(model.training as object), ...(tfl === undefined ? {} : { tfBackend: tfl.backend }), cpuSeconds: (cpu.user + cpu.system) / 1e6 } }, workload };
}

/** The `withBackfilling` config of `cfg`, read and checked against it before any training. */
function backfillingConfig(cfg: QueueTrainConfig, file: string): { cfg: QueueTrainConfig; file: string } {
  const sub = namedFile(file, 'withBackfilling', cfg.withBackfilling as string, 'training config');
  const bad = (what: string): never => {
    throw configErrorAt(file, 'withBackfilling', `${sub} ${what}`);
  };
  const c = readConfig(sub);
  if (c.kind !== 'queue') return bad('is not a queue training config');
  if (c.withBackfilling !== undefined) bad('names a further withBackfilling config; one level only');
  if (c.name !== cfg.name) bad(`trains '${c.name}', not '${cfg.name}'`);
  if (c.backfill === 'none') bad('trains without backfilling (backfill: none), so it cannot be the scorer for runs with backfilling');
  if (JSON.stringify(configFeatures(c)) !== JSON.stringify(configFeatures(cfg))) bad(`computes other features (${configFeatures(c).join(', ')})`);
  if (c.candidates !== cfg.candidates) bad(`takes other candidates (${c.candidates}, not ${cfg.candidates})`);
  return { cfg: c, file: sub };
}

/** The checkpoint file of the withBackfilling run: the checkpoint's name + -backfilling.json. */
function backfillingCheckpoint(ckptFile: string): string {
  return ckptFile.replace(/\.json$/, '') + '-backfilling.json';
}

/**
 * Writing a single-scorer model over a shipped file that has a scorer for backfilling would drop
 * it (e.g. training that scorer's own config alone): refused unless --out names the file.
 */
function refuseToDropScorer(out: string, explicit: boolean): void {
  if (explicit || !existsSync(out)) return;
  let existing: { withBackfilling?: unknown } | undefined;
  try {
    existing = JSON.parse(readFileSync(out, 'utf8')) as { withBackfilling?: unknown };
  } catch {
    return;
  }
  if (existing.withBackfilling === undefined) return;
  throw new UserError(`${out} has a scorer for runs with backfilling, which this config would not write (it has no withBackfilling): train the config that names this one, or give --out`, { field: 'out' });
}
