/**
 * Simulate from code: compare strategies on a scenario file with the library, as `drs run` does.
 * The README's "Simulate from code" block is this file from its first import on.
 *
 *   npm run build && npx tsx examples/simulate.ts
 *
 * It imports the package by name (`drs-toolkit`) and finds the scenario through the package's
 * "exports" (`drs-toolkit/scenarios/*`), so it runs unchanged in a project that installed it.
 */
import { fileURLToPath } from 'node:url';
import { buildScenario, compareStrategies, comparisonTable, loadScenario } from 'drs-toolkit';

// Any scenario file (docs/scenarios.md); this one ships with the package. Real traces are read from dataRoot.
const file = fileURLToPath(import.meta.resolve('drs-toolkit/scenarios/default.yaml'));
const scenario = await loadScenario(file);
const input = await buildScenario(scenario, { file, dataRoot: process.env.DRS_DATA_DIR ?? '../shared/data', only: ['first-fit', 'learned:agent-fleet'] });
const result = await compareStrategies(input);
console.log(comparisonTable(result));
for (const r of result.results) {
  if (r.state === 'failed') console.log(`${r.strategy} failed: ${r.error}`);
  else console.log(`${r.strategy}: SLA ${((r.metrics.sla.overall.attainment ?? 0) * 100).toFixed(1)}%, cost ${r.metrics.cost.total.toFixed(2)}`);
}
