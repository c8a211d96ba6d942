/**
 * Give a queue model a planner (src/queue/learned-planner.ts) whose workload model is read from
 * the model's own training ranges (src/learn/planner-build.ts), and write the result: the
 * eighteenth round's step that builds `models/queue/lublin-1.json`'s planner (docs/learned-rounds.md).
 * Reads no evaluation window: the builder refuses ranges that overlap the model's evaluation windows.
 *
 *   DRS_DATA_DIR=../shared/data npx tsx bench/learn-planner.ts MODEL.json --out OUT.json
 *        [--seed SEED] [--candidates 4] [--samples 8] [--future 32]
 *
 * The log is the model's training trace (`training.config.trace`), looked up by its file name under
 * the data root's swf/ folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { validatePolicyNetFile } from '../src/core/policy-net.js';
import { writeFailure, writeFileWhole } from '../src/core/whole-file.js';
import { withPlanner } from '../src/learn/planner-build.js';
import { loadBatchWorkload } from '../src/learn/sim-adapter.js';
import { dataFile, die, intArg, userMessage } from './usage.js';

const { values: o, positionals } = parseArgs({
  options: {
    out: { type: 'string' },
    seed: { type: 'string' },
    candidates: { type: 'string', default: '4' },
    samples: { type: 'string', default: '8' },
    future: { type: 'string', default: '32' },
  },
  allowPositionals: true,
  strict: true,
});
const file = positionals[0];
if (file === undefined || o.out === undefined) die('usage: npx tsx bench/learn-planner.ts MODEL.json --out OUT.json [--seed SEED] [--candidates 4] [--samples 8] [--future 32]');
try {
  const model = validatePolicyNetFile(JSON.parse(readFileSync(file, 'utf8')), file, { kind: 'queue' });
  const trace = ((model.training ?? {}) as { config?: { trace?: unknown } }).config?.trace;
  if (typeof trace !== 'string') die(`${file}: training.config.trace is missing: the planner needs the model's training log`);
  const log = await loadBatchWorkload(dataFile(`swf/${path.basename(trace)}`));
  const out = withPlanner(model, log.jobs, `swf/${path.basename(trace)}`, {
    seed: o.seed ?? `${model.name}:planner`,
    candidates: intArg('--candidates', o.candidates, 2),
    samples: intArg('--samples', o.samples, 1),
    future: intArg('--future', o.future, 1),
  });
  try {
    writeFileWhole(o.out, JSON.stringify(out, null, 1) + '\n');
  } catch (e) {
    die(`--out ${o.out}: cannot write the model: ${writeFailure(e)}`);
  }
  const p = out.planner;
  console.log(`${o.out}: planner rollout K ${p?.candidates}, ${p?.samples} × ${p?.future} arrivals, workload of ${p?.workload.jobs.length} jobs and ${p?.workload.gaps.length} gaps from ${JSON.stringify((p?.source as { ranges: unknown }).ranges)} of ${path.basename(trace)}`);
} catch (e) {
  const m = userMessage(e);
  if (m === undefined) throw e;
  die(`${file}: ${m}`);
}
