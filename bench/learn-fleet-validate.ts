/**
 * Model selection for allocator models without the evaluation seeds: the reward (the config's
 * weights; on the default scenario, whose fleet does not grow, it is SLA attainment − 1) and the
 * SLA attainment of model files on an allocator training config's VALIDATION seeds, with its
 * horizon, next to the classical strategies on the same workloads. Used to choose between a
 * shipped allocator model and new candidates before a candidate is run on the evaluation seeds.
 *
 *   nice -n 10 npx tsx bench/learn-fleet-validate.ts train/CONFIG.yaml MODEL.json [MODEL.json ...]
 */
import path from 'node:path';
import { LearnedAllocator } from '../src/algorithms/learned.js';
import { createAllocator, type AllocatorName } from '../src/algorithms/registry.js';
import { PolicyNet } from '../src/core/policy-net.js';
import { readConfig } from '../src/cli/train.js';
import { fleetReward } from '../src/learn/fleet-env.js';
import { runScenario } from '../src/learn/sim-adapter.js';
import { buildScenario } from '../src/scenario/build.js';
import { loadScenario } from '../src/scenario/load.js';
import { die, readModelFile } from './learn-args.js';
import { dataRoot as benchDataRoot } from './usage.js';

const [configFile, ...files] = process.argv.slice(2);
if (configFile === undefined || files.length === 0) die('usage: learn-fleet-validate.ts CONFIG.yaml MODEL.json [MODEL.json ...]');
let cfg;
try {
  cfg = readConfig(path.resolve(configFile));
} catch (e) {
  die(`${configFile}: ${(e as Error).message}`);
}
if (cfg.kind !== 'allocator') die(`${configFile}: an allocator training config is needed`);
const scenarioFile = path.resolve(path.dirname(path.resolve(configFile)), cfg.scenario);
const sc = await loadScenario(scenarioFile);
const dataRoot = benchDataRoot();
const CLASSIC: AllocatorName[] = ['first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin'];
const rows: { label: string; make: () => ReturnType<typeof createAllocator> }[] = [
  ...files.map((f) => {
    const net = new PolicyNet(readModelFile(f));
    return { label: f, make: () => new LearnedAllocator(net) };
  }),
  ...CLASSIC.flatMap((n) => [
    { label: n, make: () => createAllocator({ name: n }) },
    { label: `${n}+preempt`, make: () => createAllocator({ name: n, preemption: true }) },
  ]),
];
console.log(`validation seeds ${cfg.validation.seeds.join(', ')}, horizon ${cfg.horizon === undefined ? "the scenario's" : `${cfg.horizon} s`}; mean reward, mean SLA attainment`);
for (const r of rows) {
  let reward = 0;
  let sla = 0;
  for (const seed of cfg.validation.seeds) {
    const input = await buildScenario(sc, { file: scenarioFile, dataRoot, seed });
    const horizon = cfg.horizon ?? input.horizon ?? 3600;
    const m = await runScenario(input, r.label, r.make, horizon);
    reward += fleetReward(m, input, cfg.reward, horizon);
    sla += m.sla.overall.attainment ?? 1;
  }
  const n = cfg.validation.seeds.length;
  console.log(`${r.label}: reward ${(reward / n).toFixed(4)}, SLA ${((100 * sla) / n).toFixed(2)} %`);
}
