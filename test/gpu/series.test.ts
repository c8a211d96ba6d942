import { describe, expect, it } from 'vitest';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { withGpuSeries } from '../../src/sim/compare.js';
import { gpuSeriesFromLog } from '../../src/sim/fragmentation.js';
import { sampleSeries } from '../../src/sim/series.js';
import { EV, EventLog } from '../../src/sim/log.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool: PoolSpec = { name: 'g', capacity: [8, 32, 2], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {}, gpus: { count: 2 } };
const req = (id: string): Request => ({ id, tenant: 't', arrival: 0, demand: [1, 1, 0.6], duration: 10, priority: 'medium' });

describe('GPU series from an event log (hand-checked)', () => {
  it('allocation, fragmentation amount and rate follow the devices the starts took', () => {
    const log = new EventLog([pool]);
    log.nodePool.push(0);
    log.push(EV.nodeProvision, 0, 0, 0);
    log.push(EV.nodeUp, 0, 0, 0);
    const a = log.addRequest(req('a'));
    const b = log.addRequest(req('b'));
    log.push(EV.start, 0, a, 0);
    log.devices.set(log.length - 1, [0]);
    log.push(EV.start, 0, b, 0);
    log.devices.set(log.length - 1, [1]);
    log.push(EV.complete, 10, a, 0);
    const s = gpuSeriesFromLog(log, space, [0, 5, 10]);
    // The workload is one type (0.6 of a GPU). Both GPUs at 400 milli free: the type cannot run,
    // all 0.8 GPU is fragmented. After a leaves: [1000, 400], the 400 is too small: 0.4 GPU.
    expect(s['GPU allocation']?.values).toEqual([60, 60, 30]);
    expect(s['FGD fragmentation']?.values).toEqual([0.8, 0.8, 0.4]);
    expect(s['FGD fragmentation rate']?.values).toEqual([100, 100, 28.57]);
  });

  it('is empty for a cluster without GPU devices', () => {
    const scalar: PoolSpec = { name: 's', capacity: [8, 32, 2], nodes: pool.nodes, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
    expect(gpuSeriesFromLog(new EventLog([scalar]), space, [0])).toEqual({});
  });
});

describe('GPU series of a run report', () => {
  it('samples the middle of each bin, where the report draws it, not its start', () => {
    // a (0.6 GPU of one device of 2) runs from 1 to 8; the run ends at 10. Bins of 5 s are drawn
    // at 2.5 and 7.5, when a holds 0.6 of 2 GPUs: 30 % both times. The bins' starts (0 and 5)
    // would give 0 % for the first bin although a ran through most of it.
    const log = new EventLog([pool]);
    log.nodePool.push(0);
    log.push(EV.nodeProvision, 0, 0, 0);
    log.push(EV.nodeUp, 0, 0, 0);
    const a = log.addRequest({ ...req('a'), arrival: 1 });
    log.push(EV.arrive, 1, a);
    log.push(EV.start, 1, a, 0);
    log.devices.set(log.length - 1, [0]);
    log.push(EV.complete, 8, a, 0);
    log.push(EV.nodeRemove, 10, 0, 0);
    const s = withGpuSeries(sampleSeries(log, space.names, { maxBins: 2 }), log, space);
    expect(s.t).toEqual([0, 5]);
    expect(s.extra['GPU allocation']?.values).toEqual([30, 30]);
  });
});
