import { ResourceSpace } from '../src/core/resources.js';
import type { Request } from '../src/core/model.js';
import { GPU_POLICY_NAMES, isGpuPolicyName, type GpuPolicyName } from '../src/algorithms/gpu/index.js';
import { parseSeeds } from '../src/cli/replay-openb.js';
import { allocationAt, runOpenb } from '../src/sim/openb.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from '../src/traces/alibaba-gpu.js';
import { printFigures, writeResults, type Figure } from './common.js';
import { dataFile, UsageError } from './usage.js';

/**
 * `tsx bench/openb.ts [policy ...]`: one FGD-paper experiment per policy (default pod list, seed
 * 42, all 1,213 nodes, 130 % of the GPUs arrived one pod at a time), wall time of the run itself
 * (reading the traces excluded). Target: under 10 s for one experiment on the 2-core machine; the
 * authors report about 10 minutes for theirs on 2 vCPUs. Policies with a repair step (fgd-repair)
 * also say how many running pods their repairs moved. Writes bench/results/openb.json.
 *
 * `tsx bench/openb.ts --paired [--list default] [--seeds 42-51] policy policy ...`: the allocation
 * ratio of every policy on every seed at 100 % and 130 % arrived, then for every pair (a, b) the
 * paired difference b − a over the seeds: mean ± standard error, its sd, and on how many seeds b
 * is higher. Policies of one seed share the arrival order and the node order, so this is the
 * noise measure the ranking in docs/gpu-sharing.md uses. Prints only.
 */
const args = process.argv.slice(2);
const paired = args.includes('--paired');
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
};
const listName = option('--list', 'default');
const seeds = paired ? parseSeeds(option('--seeds', '42-51')) : [42];
/** Indexes of option values (the word after --list / --seeds), not policy names. */
const valueAt = new Set(['--list', '--seeds'].map((n) => args.indexOf(n)).filter((i) => i >= 0).map((i) => i + 1));
const named = args.filter((a, i) => !a.startsWith('--') && !valueAt.has(i));
for (const a of named) if (!isGpuPolicyName(a)) throw new UsageError(`unknown policy '${a}'; choose from ${GPU_POLICY_NAMES.join(', ')}`);
const policies = named as GpuPolicyName[];
const list: readonly GpuPolicyName[] = policies.length > 0 ? policies : paired ? ['gpu-clustering', 'gpu-packing'] : ['best-fit', 'fgd'];

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pools = await readAlibabaNodePools(dataFile('gpu-cluster/openb_node_list_gpu_node.csv.gz'), { space });
const pods: Request[] = [];
for await (const r of readAlibabaPodRequests(dataFile(`gpu-cluster/openb_pod_list_${listName}.csv.gz`), { space, pools, staticDuration: 1, noDeletion: 1, nonPositive: 'clamp' })) pods.push(r);

if (paired) {
  const points = [100, 130] as const;
  /** at[policy][point] = allocation per seed, in `seeds` order. */
  const at = new Map<GpuPolicyName, Record<number, number[]>>();
  for (const policy of list) {
    const rec: Record<number, number[]> = { 100: [], 130: [] };
    for (const seed of seeds) {
      const run = runOpenb({ space, pools, pods, policy, seed });
      for (const x of points) rec[x]?.push(allocationAt(run, x));
      // Progress on stderr (the table comes at the end; 10 seeds × 2 policies is minutes on a busy machine).
      console.error(`${policy} seed ${seed}: ${points.map((x) => allocationAt(run, x).toFixed(2)).join(' / ')} at ${points.join(' / ')} % arrived`);
    }
    at.set(policy, rec);
  }
  console.log(`openb_pod_list_${listName}, seeds ${seeds.join(',')}: allocation % at 100 / 130 % arrived`);
  console.log(['seed', ...list].join('\t'));
  seeds.forEach((seed, i) => console.log([seed, ...list.map((p) => points.map((x) => at.get(p)?.[x]?.[i]?.toFixed(2)).join(' / '))].join('\t')));
  console.log('\npaired difference b − a (mean ± s.e.; sd; seeds where b is higher)');
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i] as GpuPolicyName;
      const b = list[j] as GpuPolicyName;
      const cells = points.map((x) => {
        const va = at.get(a)?.[x] ?? [];
        const d = (at.get(b)?.[x] ?? []).map((v, k) => v - (va[k] as number));
        const m = d.reduce((s, v) => s + v, 0) / d.length;
        const sd = d.length > 1 ? Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / (d.length - 1)) : 0;
        const sign = m >= 0 ? '+' : '-';
        return `${x} %: ${sign}${Math.abs(m).toFixed(3)} ± ${(sd / Math.sqrt(d.length)).toFixed(3)}; sd ${sd.toFixed(3)}; ${d.filter((v) => v > 0).length}/${d.length}`;
      });
      console.log(`${b} − ${a}\t${cells.join('\t')}`);
    }
  }
} else {
  const figs: Figure[] = [];
  for (const policy of list) {
    const t0 = performance.now();
    const run = runOpenb({ space, pools, pods, policy, seed: 42 });
    const s = (performance.now() - t0) / 1000;
    const moved = run.moves > 0 ? `, ${run.moves} pods moved by repairs` : '';
    figs.push({ suite: 'openb', name: `${policy}: one experiment (${run.arrived.length.toLocaleString('en-US')} pods, allocation ${allocationAt(run, 130)} % at 130 %${moved})`, value: Math.round(s * 100) / 100, unit: 's', target: '< 10 s' });
  }
  printFigures(figs);
  console.log(`\nwritten to ${writeResults('openb', figs)} (policies: ${GPU_POLICY_NAMES.join(', ')})`);
}
