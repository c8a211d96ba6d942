/**
 * How much can 10 windows say about a queue model? Plays a model, FCFS, SJF and F1 on N windows
 * of 1,024 jobs drawn from the Lublin–Feitelson model (src/traces/lublin99.ts; seed `spread`,
 * neither the training log's `CONFIGSEED:synthetic` nor the validation log's
 * `synthetic-validation`), then draws 10,000 sets of 10 of those windows (with replacement) and
 * prints the spread of the model's mean bounded slowdown ÷ F1's over a set — the statistic the
 * reference protocol reports on its 10 windows — and the share of sets where the model is at
 * least X % ahead of F1. Reads no real log: a diagnostic of what the protocol can resolve for
 * a model-drawn workload like Lublin-1.
 *
 *   nice npx tsx bench/learn-model-spread.ts MODEL.json [WINDOWS=200] [NODES=256] [AHEAD=1.43]
 */
import { readFileSync } from 'node:fs';
import { PolicyNet, validatePolicyNetFile } from '../src/core/policy-net.js';
import { Rng } from '../src/core/rng.js';
import { isUserError } from '../src/core/errors.js';
import { evaluateQueueModel, MODES } from '../src/learn/evaluate.js';
import { lublinLog } from '../src/learn/lublin-log.js';
import { LUBLIN99_MIN_NODES } from '../src/traces/lublin99.js';
import { die, intArg } from './learn-args.js';

const [file, windowsArg = '200', nodesArg = '256', aheadArg = '1.43'] = process.argv.slice(2);
if (file === undefined) die('usage: npx tsx bench/learn-model-spread.ts MODEL.json [WINDOWS=200] [NODES=256] [AHEAD=1.43]');
const count = intArg('WINDOWS', windowsArg);
const nodes = intArg('NODES', nodesArg);
const ahead = Number(aheadArg);
if (count < 10 || nodes < LUBLIN99_MIN_NODES.typeless || !(ahead >= 0)) die(`WINDOWS must be ≥ 10, NODES ≥ ${LUBLIN99_MIN_NODES.typeless}, AHEAD a percentage ≥ 0`);
let net: PolicyNet;
try {
  net = new PolicyNet(validatePolicyNetFile(JSON.parse(readFileSync(file, 'utf8')), file));
} catch (e) {
  die(`${file}: ${(e as Error).message}`);
}
const L = 1024;
let log: ReturnType<typeof lublinLog>;
try {
  log = lublinLog({ machine: nodes, machineSource: 'option', header: { file: 'Lublin–Feitelson model', lines: [], fields: new Map() } }, count * L, 'spread');
} catch (e) {
  if (!isUserError(e)) throw e;
  die((e as Error).message);
}
const starts = Array.from({ length: count }, (_, k) => k * L);
const t0 = Date.now();
const ev = await evaluateQueueModel(net, log, starts, L);
const name = `learned-queue:${net.model.name}`;
console.log(`${log.file}: ${count} windows of ${L} jobs (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
for (const mode of MODES) {
  const model = ev.perWindow[name]?.[mode] as number[];
  const f1 = ev.perWindow.f1?.[mode] as number[];
  const means = Object.entries(ev.meanBoundedSlowdown).map(([k, v]) => `${k} ${v[mode].toFixed(2)}`).join(', ');
  const rng = new Rng(`spread:${mode}`);
  const ratios: number[] = [];
  for (let b = 0; b < 10_000; b++) {
    let m = 0;
    let f = 0;
    for (let k = 0; k < 10; k++) {
      const i = rng.int(count);
      m += model[i] as number;
      f += f1[i] as number;
    }
    ratios.push(m / f);
  }
  ratios.sort((a, b) => a - b);
  const wins = model.filter((x, i) => x < (f1[i] as number)).length;
  const share = ratios.filter((r) => r <= 1 - ahead / 100).length / ratios.length;
  console.log(`${mode === 'none' ? 'no backfilling' : 'EASY'}: ${means}`);
  console.log(
    `  model ÷ F1 over all ${count} windows ${(model.reduce((a, b) => a + b, 0) / f1.reduce((a, b) => a + b, 0)).toFixed(4)}; wins ${wins} of ${count} windows; ` +
      `over sets of 10: 2.5 % ${q(ratios, 0.025).toFixed(4)}, 25 % ${q(ratios, 0.25).toFixed(4)}, median ${q(ratios, 0.5).toFixed(4)}, 75 % ${q(ratios, 0.75).toFixed(4)}, 97.5 % ${q(ratios, 0.975).toFixed(4)}; ` +
      `at least ${ahead} % ahead of F1 in ${(share * 100).toFixed(1)} % of sets`,
  );
}
