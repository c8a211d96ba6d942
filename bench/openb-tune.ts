import { Fgd } from '../src/algorithms/gpu/fgd.js';
import { FgdPack, type FgdTie } from '../src/algorithms/gpu/fgd-pack.js';
import type { Allocator } from '../src/algorithms/allocator.js';
import { WorkloadDistribution } from '../src/algorithms/gpu/frag.js';
import { gpuPodOf } from '../src/algorithms/gpu/pod.js';
import type { Request } from '../src/core/model.js';
import { ResourceSpace } from '../src/core/resources.js';
import { allocationAt, runOpenb } from '../src/sim/openb.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from '../src/traces/alibaba-gpu.js';
import { dataFile, die, UsageError } from './usage.js';

/**
 * `tsx bench/openb-tune.ts [seeds] [config ...]`: the parameter search of `fgd-pack` on TRAINING
 * seeds (default 1-3; never the evaluation seeds 42-51), on all five openb pod lists. A config is
 * `fgd` or `R:tie` (score resolution R, secondary key free | delta | fit), e.g. `50:free`, each
 * optionally `@c` for the typical pods covering a share c of the pods instead of 0.95.
 * Prints the mean allocation at 130 % arrived per list and config, and the mean over the lists.
 */
const args = process.argv.slice(2);
const seedArg = args[0] !== undefined && /^\d+(-\d+)?$/.test(args[0]) ? (args.shift() as string) : '1-3';
const [lo, hi] = seedArg.split('-').map(Number) as [number, number | undefined];
const seeds = Array.from({ length: (hi ?? lo) - lo + 1 }, (_, i) => lo + i);
if (seeds.length === 0) die(`seeds ${seedArg}: the range is empty (write it low-high, e.g. 1-3)`);
if (seeds.some((s) => s >= 42 && s <= 51)) die('seeds 42-51 are the evaluation seeds; tune on others');
const configs = args.length > 0 ? args : ['fgd', '50:free', '100:free', '50:fit', '100:fit', '50:delta'];
/** fgd, or R:tie (score resolution R, secondary key), each optionally @coverage. */
const CONFIG = /^(?:fgd|(\d+):(free|delta|fit))(?:@([\d.]+))?$/;
// Refused before the first list is read, not after minutes of work.
for (const c of configs) if (!CONFIG.test(c)) throw new UsageError(`bad config '${c}' (fgd or R:free|delta|fit, optionally @coverage)`);
const LISTS = ['default', 'cpu050', 'gpushare40', 'gpuspec20', 'multigpu30'];

function make(config: string, pods: readonly Request[]): (w: WorkloadDistribution) => Allocator {
  // the workload: the pod list's typical pods (coverage 0.95, as the authors) or another coverage
  const m = CONFIG.exec(config);
  if (m === null) throw new UsageError(`bad config '${config}' (fgd or R:free|delta|fit, optionally @coverage)`);
  const cov = m[3] === undefined ? undefined : Number(m[3]);
  const wl = (w: WorkloadDistribution) => (cov === undefined ? w : WorkloadDistribution.typical(pods.map((r) => gpuPodOf(r, dims)), cov));
  if (m[1] === undefined) return (w) => new Fgd({ workload: wl(w) });
  return (w) => new FgdPack({ workload: wl(w), resolution: Number(m[1]), tie: m[2] as FgdTie });
}

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const dims = { cpu: space.indexOf('cpu'), gpu: space.indexOf('gpu') };
const pools = await readAlibabaNodePools(dataFile('gpu-cluster/openb_node_list_gpu_node.csv.gz'), { space });
const means = new Map<string, number[]>(configs.map((c) => [c, []]));
for (const list of LISTS) {
  const pods: Request[] = [];
  for await (const r of readAlibabaPodRequests(dataFile(`gpu-cluster/openb_pod_list_${list}.csv.gz`), { space, pools, staticDuration: 1, noDeletion: 1, nonPositive: 'clamp' })) pods.push(r);
  const row: string[] = [];
  for (const c of configs) {
    let sum = 0;
    for (const seed of seeds) sum += allocationAt(runOpenb({ space, pools, pods, policy: 'fgd', seed, make: make(c, pods) }), 130);
    const m = sum / seeds.length;
    means.get(c)?.push(m);
    row.push(`${c} ${m.toFixed(2)}`);
  }
  console.log(`${list.padEnd(11)} ${row.join('  ')}`);
}
console.log(`mean        ${configs.map((c) => `${c} ${((means.get(c) ?? []).reduce((s, x) => s + x, 0) / LISTS.length).toFixed(2)}`).join('  ')}`);
