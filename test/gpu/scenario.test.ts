import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { buildScenario } from '../../src/scenario/build.js';
import { parseScenario } from '../../src/scenario/load.js';
import { DATA_ROOT } from '../support/data.js';

const yaml = (gpus: string) => `
name: devices
seed: 1
pools:
  - name: g
    capacity: { cpu: 16, memory: 64Gi}
    ${gpus}
    nodes: 2
    pricePerHour: 1
trace:
  kind: alibaba-gpu
  file: gpu-cluster/openb_pod_list_default.csv.gz
strategies: [fgd]
`;

describe('scenarios with GPU devices', () => {
  it('a pool declares its GPUs as devices; capacity.gpu follows gpus.count', async () => {
    const sc = parseScenario(yaml('gpus: { count: 4, model: A10 }'), 'devices.yaml');
    const input = await buildScenario(sc, { file: 'devices.yaml', dataRoot: DATA_ROOT });
    expect(input.pools[0]?.gpus).toEqual({ count: 4, model: 'A10' });
    expect(input.pools[0]?.capacity[2]).toBe(4);
  });
  it('a capacity.gpu that contradicts gpus.count is a ConfigError naming the field', async () => {
    const text = yaml('gpus: { count: 4 }').replace('memory: 64Gi', 'memory: 64Gi, gpu: 2');
    const sc = parseScenario(text, 'bad.yaml');
    const e = await buildScenario(sc, { file: 'bad.yaml', dataRoot: DATA_ROOT }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toContain('pools[0].gpus.count');
  });
});
