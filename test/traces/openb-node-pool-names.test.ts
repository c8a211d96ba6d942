import { describe, expect, it } from 'vitest';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAlibabaNodePools } from '../../src/traces/alibaba-gpu.js';
import { fixture } from './helpers.js';

/*
 * Pool names of a node list: a name rounds the shape (cores and GiB to 3 decimals, a node without
 * a model reads 'gpu'), so two different shapes could get one name. A run keys its per-pool
 * report by name: three such pools gave one `byPool` entry (the last pool's, with the node-hours
 * of one node and 0 utilization, though a pod had run on the first).
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const HEADER = 'sn,cpu_milli,memory_mib,gpu,model';

describe('openb node list: pool names', () => {
  it('every pool gets its own name, in order of first appearance, when rounding or a missing model would repeat one', async () => {
    const f = fixture('pool-names.csv', [HEADER, 'n0,64000,262144,2,', 'n1,64000,262144,2,gpu', 'n2,64000.1,262144,2,', 'n3,64000,262144,2,', 'n4,64000.4,262144,2,'].join('\n'));
    const pools = await readAlibabaNodePools(f, { space });
    expect(pools.map((p) => [p.name, p.capacity, p.nodes.initial, p.nodeNames])).toEqual([
      ['openb-gpux2-64c-256g', [64, 256, 2], 2, ['n0', 'n3']],
      ['openb-gpux2-64c-256g-2', [64, 256, 2], 1, ['n1']],
      ['openb-gpux2-64c-256g-3', [64.0001, 256, 2], 1, ['n2']],
      ['openb-gpux2-64c-256g-4', [64.0004, 256, 2], 1, ['n4']],
    ]);
    expect(pools[1]?.labels).toEqual({ gpuModel: 'gpu' });
  });

  it('names that do not collide are as before', async () => {
    const f = fixture('pool-names-distinct.csv', [HEADER, 'n0,64000,262144,2,P100', 'n1,96000,393216,8,G2', 'n2,32000,262144,0,'].join('\n'));
    expect((await readAlibabaNodePools(f, { space })).map((p) => p.name)).toEqual(['openb-P100x2-64c-256g', 'openb-G2x8-96c-384g', 'openb-cpu-32c-256g']);
  });
});
