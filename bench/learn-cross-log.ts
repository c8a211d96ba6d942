/**
 * The cross-log validation score of queue model files (the fourth round's selection rule, see
 * docs/learned.md and src/learn/cross-log.ts): for the logs of a CEM training config with `also:`
 * or `synthetic.validation`
 * (its own log and the others, each with its validation windows), r(X) = mean over no backfilling
 * and EASY of the model's mean bsld ÷ F1's on X's validation windows, and
 * S = ½ r(own) + ½ mean r(others). Never touches an evaluation window (the config loader refuses
 * validation windows that overlap them). Lower is better; F1 itself scores 1.
 *
 *   nice -n 19 npx tsx bench/learn-cross-log.ts train/CONFIG.yaml MODEL.json [MODEL.json ...]
 */
import path from 'node:path';
import { readConfig } from '../src/cli/train.js';
import { PolicyNet } from '../src/core/policy-net.js';
import { CrossLogValidator, crossLogValidation, trainLogs } from '../src/learn/cross-log.js';
import { loadBatchWorkload } from '../src/learn/sim-adapter.js';
import { readModelFile } from './learn-args.js';

const [configFile, ...files] = process.argv.slice(2);
if (configFile === undefined || files.length === 0) {
  console.error('usage: learn-cross-log.ts CONFIG.yaml MODEL.json [MODEL.json ...]');
  process.exit(2);
}
const cfg = readConfig(path.resolve(configFile));
if (cfg.kind !== 'queue' || !crossLogValidation(cfg)) {
  console.error(`${configFile}: a queue config with an \`also:\` list or \`synthetic.validation\` is needed (it names the logs and their validation windows)`);
  process.exit(2);
}
// Every model file is read before the logs are loaded and scored, so a typo in the last one shows at once.
const nets = files.map((f) => new PolicyNet(readModelFile(f)));
const dir = path.dirname(path.resolve(configFile));
const own = await loadBatchWorkload(path.resolve(dir, cfg.trace));
const also = [];
for (const a of cfg.also ?? []) also.push(await loadBatchWorkload(path.resolve(dir, a.trace)));
const logs = trainLogs(cfg, own, also);
const validator = new CrossLogValidator(logs, cfg.validationModes, cfg.validationWeighting);
// Each mode alone too, for models meant for one mode.
const single = { none: new CrossLogValidator(logs, ['none'], cfg.validationWeighting), easy: new CrossLogValidator(logs, ['easy'], cfg.validationWeighting) };
console.log(`logs: ${logs.filter((l) => l.validation.windows.length > 0).map((l) => `${path.basename(l.workload.file)} (${l.validation.windows.length} windows of ${l.validation.length})`).join(', ')}`);
console.log(`model: r(own) r(others...) → S over ${(cfg.validationModes ?? ['none', 'easy']).join(' and ')}   (each mode alone)`);
for (const [i, f] of files.entries()) {
  const net = nets[i] as PolicyNet;
  const r = await validator.ratios(net);
  const rn = await single.none.ratios(net);
  const re = await single.easy.ratios(net);
  console.log(`${f}: ${r.map((x) => x.toFixed(4)).join(' ')} → ${validator.combine(r).toFixed(4)}   (no backfilling: ${rn.map((x) => x.toFixed(4)).join(' ')} → ${single.none.combine(rn).toFixed(4)}; EASY: ${re.map((x) => x.toFixed(4)).join(' ')} → ${single.easy.combine(re).toFixed(4)})`);
}
