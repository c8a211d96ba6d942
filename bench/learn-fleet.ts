/**
 * The learned allocator against the classical strategies on its scenario (by default the agent
 * fleet of scenarios/default.yaml), on the model's evaluation seeds (never trained or selected
 * on): the evaluation `drs train` writes (src/cli/train-allocator.ts), re-measured for a shipped
 * model. SLA attainment and cost per seed, mean and 95 % interval (Student t), and the paired
 * difference learned − each classical strategy with its paired t-test. Writes
 * bench/results/learn-fleet.json and the model file's `evaluation`.
 *
 *   nice -n 10 npx tsx bench/learn-fleet.ts [MODEL [SCENARIO]]   (default: agent-fleet, scenarios/default.yaml)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { evaluateAllocatorModel } from '../src/cli/train-allocator.js';
import { loadScenario } from '../src/scenario/load.js';
import { versusTable } from '../src/sweep/versus.js';
import { readModelFile, shippedModelFile } from './learn-args.js';
import { dataRoot } from './usage.js';

const name = process.argv[2] ?? 'agent-fleet';
const repo = path.resolve(import.meta.dirname, '..');
const file = shippedModelFile(name, 'allocator');
const model = readModelFile(file, 'allocator');
const seeds = (model.training as { evaluationSeeds?: number[] } | undefined)?.evaluationSeeds ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const scenarioFile = path.resolve(process.argv[3] ?? path.join(repo, 'scenarios/default.yaml'));
const evaluation = await evaluateAllocatorModel({
  model,
  scenario: await loadScenario(scenarioFile),
  scenarioFile,
  scenarioLabel: path.relative(repo, scenarioFile),
  seeds,
  dataRoot: dataRoot(),
  onSeed: (line) => console.log(line),
});
process.stdout.write(versusTable(evaluation));
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(path.join(import.meta.dirname, 'results', 'learn-fleet.json'), JSON.stringify(evaluation, null, 1) + '\n');
writeFileSync(file, JSON.stringify({ ...model, evaluation }, null, 1) + '\n');
