/**
 * Markdown tables for docs/learned.md from bench/results/learn-eval.json (bench/learn-eval.ts) and
 * bench/results/learn-fleet.json (bench/learn-fleet.ts).
 *
 *   npx tsx bench/learn-report.ts [RESULTS_DIR]        (default bench/results)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { die } from './usage.js';

const dir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, 'results'));
const TARGET: Record<string, [number, number]> = { 'sdsc-sp2': [466.44, 397.82], 'lublin-1': [254.67, 58.64], hpc2n: [117.01, 86.14] };
const NAMES: Record<string, string> = { 'sdsc-sp2': 'SDSC-SP2', 'lublin-1': 'Lublin-1', hpc2n: 'HPC2N' };
type Ev = { meanBoundedSlowdown: Record<string, { none: number; easy: number }> };
// Nothing to report is a mistake to name, not an empty exit 0 (a fresh clone has no bench/results).
if (!existsSync(path.join(dir, 'learn-eval.json')) && !existsSync(path.join(dir, 'learn-fleet.json'))) {
  die(`${dir} has neither learn-eval.json nor learn-fleet.json: run bench/learn-eval.ts or bench/learn-fleet.ts first`);
}
if (existsSync(path.join(dir, 'learn-eval.json'))) {
  const ev = JSON.parse(readFileSync(path.join(dir, 'learn-eval.json'), 'utf8')) as Record<string, Ev>;
  const f = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(2));
  console.log('| trace | backfilling | learned (own model) | target (RLScheduler) | reached | FCFS | SJF | F1 |');
  console.log('| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |');
  for (const t of Object.keys(TARGET)) {
    const own = ev[`${t}@${t}`];
    if (own === undefined) continue;
    const classic = Object.entries(ev).find(([k, v]) => k.endsWith(`@${t}`) && v.meanBoundedSlowdown.fcfs !== undefined)?.[1].meanBoundedSlowdown;
    (['none', 'easy'] as const).forEach((mode, i) => {
      const v = own.meanBoundedSlowdown[`learned-queue:${t}`]?.[mode] as number;
      const target = (TARGET[t] as [number, number])[i] as number;
      console.log(`| ${NAMES[t]} | ${mode === 'none' ? 'no' : 'EASY'} | ${f(v)} | ${target.toFixed(2)} | ${v <= target ? 'yes' : 'no'} | ${f(classic?.fcfs?.[mode])} | ${f(classic?.sjf?.[mode])} | ${f(classic?.f1?.[mode])} |`);
    });
  }
  console.log('\nGeneralisation (rows: model, columns: trace; no backfilling / EASY):\n');
  const traces = Object.keys(TARGET);
  console.log(`| model | ${traces.map((t) => NAMES[t]).join(' | ')} |`);
  console.log(`| --- | ${traces.map(() => '---:').join(' | ')} |`);
  for (const m of traces) {
    const cells = traces.map((t) => {
      const e = ev[`${m}@${t}`]?.meanBoundedSlowdown[`learned-queue:${m}`];
      return e === undefined ? '–' : `${e.none.toFixed(2)} / ${e.easy.toFixed(2)}`;
    });
    if (cells.some((c) => c !== '–')) console.log(`| learned-queue:${m} | ${cells.join(' | ')} |`);
  }
}
if (existsSync(path.join(dir, 'learn-fleet.json'))) {
  type CI = { mean: number; lo: number; hi: number };
  const fl = JSON.parse(readFileSync(path.join(dir, 'learn-fleet.json'), 'utf8')) as { seeds: number[]; summary: { strategy: string; sla: CI; cost: CI; slaMinusLearned?: CI }[] };
  const pct = (c: CI): string => `${(100 * c.mean).toFixed(2)} % [${(100 * c.lo).toFixed(2)}, ${(100 * c.hi).toFixed(2)}]`;
  console.log(`\nDefault scenario, seeds ${fl.seeds.join(', ')} (mean [95 % interval]):\n`);
  console.log('| strategy | SLA attainment | cost | learned − this (SLA, paired) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const s of fl.summary) {
    const d = s.slaMinusLearned;
    console.log(`| ${s.strategy} | ${pct(s.sla)} | ${s.cost.mean.toFixed(2)} [${s.cost.lo.toFixed(2)}, ${s.cost.hi.toFixed(2)}] | ${d === undefined ? '' : `${(100 * d.mean).toFixed(2)} pp [${(100 * d.lo).toFixed(2)}, ${(100 * d.hi).toFixed(2)}]`} |`);
  }
}
