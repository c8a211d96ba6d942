import type { PoolSpec } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { toPoolSpec } from './inputs.js';
import type { Pools } from './pools.js';
import type { PoolInput } from './types.js';

/**
 * The configured pools (`ResourceSchedulerOptions.pools`) against the pools the store restored, at
 * start: a pool the store does not have is added (`add`: ResourceScheduler.addPool, its nodes up);
 * one it has is kept as stored (state wins: change a running pool through the API), and how the
 * configuration differs from it is returned, one line a pool (`drs serve` warns with them).
 */
export function reconcileConfiguredPools(configured: readonly PoolInput[], pools: Pick<Pools, 'state' | 'primaryOf'>, space: ResourceSpace, add: (input: PoolInput) => void): string[] {
  const drifts: string[] = [];
  for (const p of configured) {
    const at = pools.state.poolIndex(p.name);
    if (at < 0) add(p);
    else {
      const drift = poolDrift(p, pools.state.pools[at] as PoolSpec, pools.primaryOf(p.name) as string, space);
      if (drift.length > 0) drifts.push(`pool '${p.name}': ${drift.join(', ')}`);
    }
  }
  return drifts;
}

/**
 * How a configured pool differs from the pool of that name a store restored (capacity, node
 * counts, price, latency, boot time, labels with the GPU model, GPU devices, primary dimension),
 * in words; empty when they agree.
 */
function poolDrift(input: PoolInput, stored: PoolSpec, storedPrimary: string, space: ResourceSpace): string[] {
  const want = toPoolSpec(input, space);
  const out: string[] = [];
  space.names.forEach((d, i) => {
    if ((want.capacity[i] ?? 0) !== (stored.capacity[i] ?? 0)) out.push(`capacity.${d} ${want.capacity[i] ?? 0} (stored: ${stored.capacity[i] ?? 0})`);
  });
  for (const k of ['min', 'max', 'initial'] as const) if (want.nodes[k] !== stored.nodes[k]) out.push(`nodes.${k} ${want.nodes[k]} (stored: ${stored.nodes[k]})`);
  for (const k of ['pricePerHour', 'latencyMs', 'bootSeconds'] as const) if (want[k] !== stored[k]) out.push(`${k} ${want[k]} (stored: ${stored[k]})`);
  const had: Readonly<Record<string, string>> = { ...stored.labels };
  for (const k of [...new Set([...Object.keys(want.labels), ...Object.keys(had)])].sort()) {
    if (want.labels[k] !== had[k]) out.push(`labels.${k} ${want.labels[k] ?? NOT_SET} (stored: ${had[k] ?? NOT_SET})`);
  }
  // The GPU model is a label (above) and the device count is capacity.gpu; what is left is whether GPUs are devices, and their memory.
  if ((want.gpus === undefined) !== (stored.gpus === undefined)) out.push(`gpus.count ${want.gpus?.count ?? NOT_SET} (stored: ${stored.gpus?.count ?? NOT_SET})`);
  if (want.gpus?.memoryMib !== stored.gpus?.memoryMib) out.push(`gpus.memoryMib ${want.gpus?.memoryMib ?? NOT_SET} (stored: ${stored.gpus?.memoryMib ?? NOT_SET})`);
  const primary = input.primary ?? (space.names[0] as string);
  if (primary !== storedPrimary) out.push(`primary ${primary} (stored: ${storedPrimary})`);
  return out;
}

const NOT_SET = 'not set';
