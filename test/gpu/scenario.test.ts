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
    // Read from a file: the error names the line; built from data (the library path): the field.
    const e = (() => { try { parseScenario(text, 'bad.yaml'); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).location).toMatchObject({ field: 'pools[0].gpus.count', line: text.split('\n').findIndex((l) => l.includes('gpus: { count: 4 }')) + 1 });
    const sc = parseScenario(yaml('gpus: { count: 4 }'), 'ok.yaml');
    const listed = sc.pools as Extract<typeof sc.pools, unknown[]>;
    const asData: typeof sc = { ...sc, pools: listed.map((p) => ({ ...p, capacity: { ...p.capacity, gpu: 2 } })) };
    const built = await buildScenario(asData, { file: 'bad.yaml', dataRoot: DATA_ROOT }).catch((x: unknown) => x);
    expect(built).toBeInstanceOf(ConfigError);
    expect((built as Error).message).toContain('pools[0].gpus.count');
  });
});

describe('the GPU model of a device pool', () => {
  const text = (labels: string) => `
name: models
pools:
  - name: t4
    capacity: { cpu: 16, memory: 64Gi }
    gpus: { count: 2, model: T4 }${labels}
    nodes: 1
    pricePerHour: 1
trace:
  kind: synthetic
  count: 10
  arrival: { rate: 1 }
  profiles: [{ name: pair, demand: { cpu: 1, memory: 1Gi, gpu: 2 }, labels: { gpuModel: T4 } }]
strategies: [fgd]
`;
  it("is the pool's gpuModel label, so a profile asking for gpuModel T4 runs on gpus.model T4", async () => {
    const sc = parseScenario(text(''), 'models.yaml');
    const input = await buildScenario(sc, { file: 'models.yaml', dataRoot: DATA_ROOT });
    expect(input.pools[0]?.labels).toEqual({ gpuModel: 'T4' });
  });
  it('a gpuModel label that contradicts gpus.model is a ConfigError with its line', () => {
    const t = text('\n    labels: { gpuModel: L4 }');
    const e = (() => { try { parseScenario(t, 'models.yaml'); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).location).toMatchObject({ field: 'pools[0].labels.gpuModel', line: 7 });
    expect((e as Error).message).toContain("label gpuModel 'L4' contradicts gpus.model 'T4'");
  });
});
