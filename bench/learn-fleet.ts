/**
 * The learned allocator against the classical strategies on the default agent-fleet scenario
 * (scenarios/default.yaml), on the model's evaluation seeds (never trained or selected on): SLA
 * attainment and cost per seed, mean and 95 % interval (Student t, n − 1 degrees of freedom),
 * and the paired difference learned − each classical strategy. Writes bench/results/learn-fleet.json
 * and the model file's `evaluation`.
 *
 *   nice -n 10 npx tsx bench/learn-fleet.ts [MODEL]           (default agent-fleet)
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createAllocator, type AllocatorName } from '../src/algorithms/registry.js';
import { modelsDir, validatePolicyNetFile } from '../src/core/policy-net.js';
import { buildScenario } from '../src/scenario/build.js';
import { loadScenario } from '../src/scenario/load.js';
import { compareStrategies } from '../src/sim/compare.js';

const name = process.argv[2] ?? 'agent-fleet';
const file = `${modelsDir()}allocator/${name}.json`;
const model = validatePolicyNetFile(JSON.parse(readFileSync(file, 'utf8')), file);
const seeds = ((model.training as { evaluationSeeds?: number[] } | undefined)?.evaluationSeeds ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) as number[];
const scenarioFile = path.resolve(import.meta.dirname, '../scenarios/default.yaml');
const sc = await loadScenario(scenarioFile);
const dataRoot = path.resolve(import.meta.dirname, '../../shared/data');
const CLASSIC: AllocatorName[] = ['first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin'];
const strategies = [
  { label: `learned:${name}`, make: () => createAllocator({ name: `learned:${name}` as AllocatorName }) },
  ...CLASSIC.flatMap((n) => [
    { label: n, make: () => createAllocator({ name: n }) },
    { label: `${n}+preempt`, make: () => createAllocator({ name: n, preemption: true }) },
  ]),
];
const sla: Record<string, number[]> = {};
const cost: Record<string, number[]> = {};
for (const seed of seeds) {
  const input = await buildScenario(sc, { file: scenarioFile, dataRoot, seed });
  const queue = input.strategies[0]?.queue;
  if (queue === undefined) throw new Error('scenario has no strategy');
  const res = await compareStrategies({ ...input, strategies: strategies.map((s) => ({ label: s.label, allocator: s.make, queue })) });
  for (const r of res.results) {
    if (r.state !== 'completed') throw new Error(`${r.strategy} failed: ${r.error}`);
    (sla[r.strategy] ??= []).push(r.metrics.sla.overall.attainment ?? NaN);
    (cost[r.strategy] ??= []).push(r.metrics.cost.total);
  }
  console.log(`seed ${seed}: ` + res.results.map((r) => (r.state === 'completed' ? `${r.strategy} ${(100 * (r.metrics.sla.overall.attainment ?? NaN)).toFixed(2)}% $${r.metrics.cost.total.toFixed(2)}` : r.strategy)).join(' | '));
}
// 97.5 % quantile of Student's t for 1..30 degrees of freedom.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
function ci(xs: number[]): { mean: number; lo: number; hi: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const h = (T975[Math.min(n - 1, 30) - 1] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, lo: mean - h, hi: mean + h };
}
const learned = `learned:${name}`;
const summary = Object.keys(sla).map((k) => ({
  strategy: k,
  sla: ci(sla[k] as number[]),
  cost: ci(cost[k] as number[]),
  slaMinusLearned: k === learned ? undefined : ci((sla[learned] as number[]).map((v, i) => v - (sla[k] as number[])[i]!)),
}));
for (const s of summary) {
  console.log(`${s.strategy.padEnd(32)} SLA ${(100 * s.sla.mean).toFixed(2)}% [${(100 * s.sla.lo).toFixed(2)}, ${(100 * s.sla.hi).toFixed(2)}]  cost ${s.cost.mean.toFixed(2)}` + (s.slaMinusLearned === undefined ? '' : `  learned − this: ${(100 * s.slaMinusLearned.mean).toFixed(2)} pp [${(100 * s.slaMinusLearned.lo).toFixed(2)}, ${(100 * s.slaMinusLearned.hi).toFixed(2)}]`));
}
const evaluation = { scenario: 'scenarios/default.yaml', seeds, metric: 'SLA attainment (overall) and cost, mean and 95% t-interval over seeds', summary, perSeed: { sla, cost } };
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(path.join(import.meta.dirname, 'results', 'learn-fleet.json'), JSON.stringify(evaluation, null, 1) + '\n');
writeFileSync(file, JSON.stringify({ ...model, evaluation }, null, 1) + '\n');
