/**
 * Risk-aware scaling benchmark (issue 15): SLO misses and cost of reactive scaling and of
 * predictive scaling that provisions for the q-quantile of demand at now + boot time, over many
 * seeds, on a demand-driven scenario.
 *
 *   nice -n 10 npx tsx bench/autoscale-quantile.ts [--scenario scenarios/autoscale-nyc-taxi.yaml]
 *       [--seeds 1-10] [--quantiles 0.5,0.8,0.9,0.95,0.99] [--forecaster holt-winters]
 *       [--out bench/results/autoscale-quantile-nyc-taxi.json]
 *
 * Each seed re-draws the requests (Poisson counts, run times) from the same demand series. For
 * each seed the scenario runs `reactive` (its own reactive strategy, HPA defaults) and one
 * `predictive` strategy per quantile (the scenario's predictive options with `headroom` replaced
 * by `quantile: q`). SLO misses = sla.overall.withSlo − sla.overall.met; cost = cost.total.
 * Summary per quantile, over seeds: mean and a 95 % t-interval of the miss reduction
 * 1 − misses_q / misses_reactive and of the cost ratio cost_q / cost_reactive − 1 (per seed, paired).
 * Results are appended to the JSON file as each run finishes (a long run can be inspected or
 * resumed: finished (seed, strategy) pairs are skipped).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { meanCi } from '../src/sweep/stats.js';
import { buildScenario } from '../src/scenario/build.js';
import { readScenarioObject, validateScenarioObject } from '../src/scenario/load.js';
import { compareStrategies } from '../src/sim/compare.js';
import { parseSeeds } from '../src/cli/replay-openb.js';
import { dataRoot as benchDataRoot, die } from './usage.js';

const { values: o } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/autoscale-nyc-taxi.yaml' },
    seeds: { type: 'string', default: '1-10' },
    quantiles: { type: 'string', default: '0.95' },
    forecaster: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

const file = path.resolve(o.scenario ?? '');
const dataRoot = benchDataRoot();
const seeds = parseSeeds(o.seeds ?? '1-10');
const quantiles = (o.quantiles ?? '0.95').split(',').map((q) => {
  const v = Number(q);
  if (q.trim() === '' || !(v > 0 && v < 1)) die(`--quantiles: expected numbers strictly between 0 and 1, separated by commas; got '${q}'`);
  return v;
});
const base = path.basename(file).replace(/\.ya?ml$/, '').replace(/^autoscale-/, '');
const out = path.resolve(o.out ?? `bench/results/autoscale-quantile-${base}.json`);

export interface Run {
  seed: number;
  strategy: string;
  quantile: number | null;
  misses: number;
  withSlo: number;
  cost: number;
  seconds: number;
}

const raw = (await readScenarioObject(file)) as Record<string, unknown> & { strategies: Record<string, unknown>[] };
const reactive = raw.strategies.find((s) => s.label === 'reactive');
const predictive = raw.strategies.find((s) => s.label === 'predictive');
if (reactive === undefined || predictive === undefined) die(`${file}: needs strategies labelled 'reactive' and 'predictive'`);
const pOpts = ((predictive.scaling as { options?: Record<string, unknown> }).options ?? {}) as Record<string, unknown>;
const strategies: { label: string; quantile: number | null; def: Record<string, unknown> }[] = [{ label: 'reactive', quantile: null, def: reactive }];
for (const q of quantiles) {
  const { headroom: _drop, ...rest } = pOpts;
  const options = { ...rest, quantile: q, ...(o.forecaster !== undefined ? { forecaster: o.forecaster } : {}) };
  strategies.push({ label: `q${q}`, quantile: q, def: { ...predictive, label: `q${q}`, scaling: { policy: 'predictive', options } } });
}
const sc = validateScenarioObject({ ...raw, strategies: strategies.map((s) => s.def) }, file);

const runs: Run[] = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { runs: Run[] }).runs : [];
mkdirSync(path.dirname(out), { recursive: true });
const save = (): void => writeFileSync(out, JSON.stringify({ scenario: path.relative(process.cwd(), file), forecaster: o.forecaster ?? pOpts.forecaster ?? 'holt-winters', runs }, null, 1) + '\n');
for (const seed of seeds) {
  for (const s of strategies) {
    if (runs.some((r) => r.seed === seed && r.strategy === s.label)) continue;
    const t0 = Date.now();
    const input = await buildScenario(sc, { file, dataRoot, seed, only: [s.label] });
    const res = await compareStrategies(input);
    const r = res.results[0];
    if (r === undefined || r.state !== 'completed') throw new Error(`seed ${seed} ${s.label}: ${r === undefined ? 'no result' : r.state === 'failed' ? r.error : ''}`);
    const m = r.metrics;
    runs.push({ seed, strategy: s.label, quantile: s.quantile, misses: m.sla.overall.withSlo - m.sla.overall.met, withSlo: m.sla.overall.withSlo, cost: m.cost.total, seconds: (Date.now() - t0) / 1000 });
    save();
    console.error(`seed ${seed} ${s.label}: misses ${runs[runs.length - 1]?.misses}, cost ${m.cost.total.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

// Summary: paired per seed against reactive.
const lines = ['| strategy | seeds | SLO misses (mean) | fewer misses than reactive: mean [95 % CI] | cost (mean) | cost vs reactive: mean [95 % CI] |', '| --- | ---: | ---: | --- | ---: | --- |'];
const ci = (xs: number[]): string => {
  const { mean, half } = meanCi(xs);
  if (half === null) return `${(100 * mean).toFixed(1)} %`;
  return `${(100 * mean).toFixed(1)} % [${(100 * (mean - half)).toFixed(1)}, ${(100 * (mean + half)).toFixed(1)}]`;
};
for (const s of strategies) {
  const mine = runs.filter((r) => r.strategy === s.label && seeds.includes(r.seed));
  const paired = mine.flatMap((r) => {
    const re = runs.find((x) => x.strategy === 'reactive' && x.seed === r.seed);
    return re === undefined ? [] : [{ fewer: 1 - r.misses / re.misses, cost: r.cost / re.cost - 1 }];
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  lines.push(
    `| ${s.label} | ${mine.length} | ${mean(mine.map((r) => r.misses)).toFixed(0)} | ${s.quantile === null ? '-' : ci(paired.map((p) => p.fewer))} | $${mean(mine.map((r) => r.cost)).toFixed(2)} | ${s.quantile === null ? '-' : ci(paired.map((p) => p.cost))} |`,
  );
}
console.log(lines.join('\n'));
