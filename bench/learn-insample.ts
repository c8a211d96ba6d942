/**
 * Diagnostic, never a shipped model: what our learner reaches on a log's evaluation windows when it
 * is ALLOWED to train on them, the way RLScheduler's published models were trained (its sampler
 * draws training windows from the whole log, the evaluation windows included).
 *
 *   nice npx tsx bench/learn-insample.ts CONFIG.yaml (whole-log | eval-only) [GENERATIONS] [SEED] [THREADS]
 *
 * CONFIG is a shipped queue config (features, candidates, network, CEM settings are taken from it;
 * `also` is dropped: one log). Overrides: `whole-log` trains on windows drawn from the whole log (RLScheduler's
 * sampler), `eval-only` on the span of the evaluation windows only (how low this policy class can
 * go on them at all). Training scores the raw mean bsld (RLScheduler's reward) without backfilling;
 * the validation windows ARE the evaluation windows, so the curve printed is the mean μ's
 * evaluation figure without backfilling every `validateEvery` generations. The script prints that
 * curve, then the last generation's model (no selection) and the best one (selected on the
 * evaluation windows: an in-sample bound, nothing more) under the reference protocol, none / EASY,
 * beside F1. The config loader's disjointness check is bypassed on purpose here, and only here.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyNet } from '../src/core/policy-net.js';
import { trainQueueCem } from '../src/learn/cem.js';
import type { QueueTrainConfig } from '../src/learn/config.js';
import { evaluateQueueModel } from '../src/learn/evaluate.js';
import { netFile } from '../src/learn/train-queue.js';
import { die, intArg, loadCemQueueConfig } from './learn-args.js';

const [file, variant, gens = '40', seedArg = '1', threadsArg = String(os.availableParallelism())] = process.argv.slice(2);
if (file === undefined || (variant !== 'whole-log' && variant !== 'eval-only')) die('usage: learn-insample.ts CONFIG.yaml (whole-log | eval-only) [GENERATIONS] [SEED] [THREADS]');
// The file passes the project's loader as it is; only then are the diagnostic's overrides applied
// (they break the disjointness the loader enforces, on purpose, so they are not re-validated).
const { cfg: base, workload } = await loadCemQueueConfig(file);
const evals = base.evaluation.windows;
const L = base.evaluation.length;
const span: [number, number] = [Math.min(...evals), Math.max(...evals) + L];
const { also: _also, ...single } = base;
const cfg: QueueTrainConfig = {
  ...single,
  seed: intArg('SEED', seedArg),
  backfill: 'none',
  train: { ranges: variant === 'whole-log' ? [[0, workload.jobs.length]] : [span] },
  validation: { windows: [...evals], length: L },
  cem: { ...base.cem, generations: intArg('GENERATIONS', gens), normalizeBy: 'none' },
};
console.log(`${variant}: ${workload.file}, training ranges ${JSON.stringify(cfg.train.ranges)}, ${gens} generations, seed ${cfg.seed}`);
const { model, checkpoint } = await trainQueueCem(cfg, workload, {
  onIteration: (p) => { if (p.validationBsld !== undefined) console.log(`generation ${p.iteration}: train ${p.trainBsld.toFixed(1)}, evaluation windows (none) ${p.validationBsld.toFixed(2)}`); },
}, undefined, [], intArg('THREADS', threadsArg));
const last = new PolicyNet(netFile(cfg, checkpoint.scaling, checkpoint.layers));
const selected = new PolicyNet(model);
const out = `/tmp/insample-${path.basename(file, '.yaml')}-${variant}-s${cfg.seed}.json`;
writeFileSync(out, JSON.stringify({ last: last.model, selected: model }, null, 1));
for (const [label, net, withClassic] of [['last generation (no selection)', last, true], [`selected on the evaluation windows (generation ${(model.training as { selected: { iteration: number } }).selected.iteration})`, selected, false]] as const) {
  const ev = await evaluateQueueModel(net, workload, evals, L, withClassic);
  for (const [p, v] of Object.entries(ev.meanBoundedSlowdown)) console.log(`${p.startsWith('learned') ? label : p}: ${v.none.toFixed(2)} / ${v.easy.toFixed(2)} (none / EASY)`);
}
console.log(`models: ${out}`);
