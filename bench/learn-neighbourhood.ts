/**
 * Fifth-round test of a training rule on the training part only (docs/learned-rounds.md, "Fifth round"):
 * does a model trained on the jobs right next to a span of a log hold better on that span than one
 * trained on the rest of the log? For a pseudo-evaluation span P = [a, a + SPAN) inside the
 * training part (SPAN: the length of the real evaluation span), with validation windows V = the two
 * 1,024-job windows right after P:
 *
 *   rest          trains on the whole log minus P, V and the real evaluation span;
 *   neighbourhood trains on the jobs right before P (as many as the real span has before it: the
 *                 log's start) and the NEAR jobs after V, as the real config does.
 *
 * Both: CONFIG's settings (CEM over its network and features), the given seed, the model selected
 * on V. Prints each model's mean bsld without backfilling and with EASY on 10 windows spread over P,
 * its ratio to F1's and the mean of the two ratios, and keeps the model in the temp directory. No
 * evaluation window is played.
 *
 *   nice npx tsx bench/learn-neighbourhood.ts CONFIG.yaml START [SEED] [THREADS] [METHODS]
 *
 * METHODS: `rest,neighbourhood` (default) or one of them. A config with `also` (cross-log CEM)
 * keeps its other logs, whose training ranges and validation windows are unchanged; its
 * validation is then the cross-log score S with V as the own log's validation windows.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyNet } from '../src/core/policy-net.js';
import { trainQueueCem } from '../src/learn/cem.js';
import { parseTrainConfig, type QueueTrainConfig } from '../src/learn/config.js';
import { evaluateQueueNet, mean } from '../src/learn/train-queue.js';
import { classicPolicy, replaySwfWindow } from '../src/learn/sim-adapter.js';
import { die, intArg, loadCemQueueConfig } from './learn-args.js';

const NEAR = 4096;
const [file, startArg, seedArg = '1', threadsArg = '1', methodsArg = 'rest,neighbourhood'] = process.argv.slice(2);
if (file === undefined || startArg === undefined) die('usage: learn-neighbourhood.ts CONFIG.yaml START [SEED] [THREADS] [rest,neighbourhood]');
const { raw, cfg: base, workload, also } = await loadCemQueueConfig(file);
const seed = intArg('SEED', seedArg);
const threads = intArg('THREADS', threadsArg);
const N = workload.jobs.length;
const L = base.episodeLength;
const evals = base.evaluation.windows;
const realSpan: [number, number] = [Math.min(...evals), Math.max(...evals) + base.evaluation.length];
const SPAN = realSpan[1] - realSpan[0];
const a = intArg('START', startArg);
const b = a + SPAN;
const V = [b, b + L];
const vEnd = b + 2 * L;
if (a < realSpan[1] || vEnd > N) die(`P = [${a}, ${b}) and V must lie after the real evaluation span (ends at ${realSpan[1]}) and inside the log (${N} jobs)`);
// Ranges minus the excluded intervals, dropping pieces shorter than one episode.
const minus = (ranges: [number, number][], cut: [number, number][]): [number, number][] =>
  cut.reduce<[number, number][]>((rs, [c, d]) => rs.flatMap(([x, y]): [number, number][] => (d <= x || y <= c ? [[x, y]] : [[x, Math.min(y, c)], [Math.max(x, d), y]])), ranges).filter(([x, y]) => y - x >= L);
const excluded: [number, number][] = [realSpan, [a, vEnd]];
const methods: Record<string, [number, number][]> = {
  rest: minus([[0, N]], excluded),
  neighbourhood: minus([[Math.max(0, a - realSpan[0]), a], [vEnd, Math.min(N, vEnd + NEAR)]], excluded),
};
const names = methodsArg.split(',');
for (const name of names) if (!(name in methods)) die(`unknown method '${name}' (known: rest, neighbourhood)`);
const pWindows = Array.from({ length: 10 }, (_, k) => a + Math.round((k * (SPAN - L)) / 9));
// F1 on P, without backfilling and with EASY.
const f1 = { none: [] as number[], easy: [] as number[] };
for (const mode of ['none', 'easy'] as const) for (const w of pWindows) f1[mode].push((await replaySwfWindow(workload.jobs, w, L, workload.machine, classicPolicy('f1', mode))).boundedSlowdown);
console.log(`P = [${a}, ${b}), V = ${JSON.stringify(V)}, seed ${seed}; F1 on P: ${mean(f1.none).toFixed(2)} / ${mean(f1.easy).toFixed(2)} (none / EASY)`);
for (const name of names) {
  const ranges = methods[name] as [number, number][];
  const cfg = parseTrainConfig({ ...raw, seed, train: { ranges }, validation: { windows: V, length: L } }, file) as QueueTrainConfig;
  // Progress on stderr: one training is minutes of CEM generations.
  const onIteration = (p: { iteration: number; validationBsld?: number }, total: number): void => {
    if (p.validationBsld !== undefined) console.error(`${name}: generation ${p.iteration}/${total}, validation ${p.validationBsld.toFixed(4)}`);
  };
  const { model } = await trainQueueCem(cfg, workload, { onIteration }, undefined, also, threads);
  const out = path.join(os.tmpdir(), `pseudo-${path.basename(file, '.yaml')}-${name}-${a}-s${cfg.seed}.json`);
  writeFileSync(out, JSON.stringify(model));
  const net = new PolicyNet(model);
  const r = { none: 0, easy: 0 };
  const bsld = { none: 0, easy: 0 };
  for (const mode of ['none', 'easy'] as const) {
    bsld[mode] = mean(await evaluateQueueNet(workload, net, pWindows, L, mode));
    r[mode] = bsld[mode] / mean(f1[mode]);
  }
  const sel = (model.training as { selected: { iteration: number; validationBsld: number } }).selected;
  console.log(`${name.padEnd(13)} ranges ${JSON.stringify(ranges)}: selected generation ${sel.iteration} (V ${sel.validationBsld.toFixed(cfg.also === undefined ? 2 : 4)}); P ${bsld.none.toFixed(2)} / ${bsld.easy.toFixed(2)}, ratio to F1 ${r.none.toFixed(4)} / ${r.easy.toFixed(4)} (none / EASY), mean ${((r.none + r.easy) / 2).toFixed(4)}; model ${out}`);
}
