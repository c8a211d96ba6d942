import { describe, expect, it } from 'vitest';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import type { DemandSample } from '../../src/autoscale/policy.js';
import type { Forecaster } from '../../src/predict/types.js';
import { input, pool, spec } from './helpers.js';

/**
 * A forecast of 4 nodes in every bin but `spike`, which needs 20. Bins are 60 s, decisions every
 * 15 s, boot 300 s: lead = 315 s. The provisioning window at now = 645 s is [930, 945] s (bins
 * 15-16); a node removed at 645 s is not back before 945 s.
 */
function policyWithSpike(spikeBin: number): PredictivePolicy {
  const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 1, headroom: 1, reactive: { scaleDown: { stabilizationSeconds: 0 } } });
  let n = 0; // closed bins: the forecast's first step is bin n
  const stub: Forecaster = {
    name: 'spike',
    fit: (h: readonly number[]) => void (n = h.length),
    update: (h: readonly number[]) => void (n = h.length),
    forecast: (h: number) => ({ point: Array.from({ length: h }, (_, i) => (n + i === spikeBin ? 20 : 4)) }),
  } as unknown as Forecaster;
  (p as unknown as { newForecaster: () => Forecaster }).newForecaster = () => stub;
  return p;
}

const history = (): DemandSample[] => [...Array.from({ length: 11 }, (_, b) => ({ time: b * 60, demandNodes: [4], arrivals: 0 })), { time: 645, demandNodes: [4], arrivals: 0 }];

describe('predictive: a scale-in leaves what the forecast needs until a removed node could be back', () => {
  it('keeps the 20 nodes of a peak forecast for bin 11 (60 s away) although the provisioning window (bins 15-16) has passed it', () => {
    const p = policyWithSpike(11);
    const acts = p.decide(input(645, [pool(20, 4, 0, 0, spec({ bootSeconds: 300 }))], history()));
    expect(p.forecastPeak(0, 645, 300)).toBe(4);
    // It used to scale in to the reactive 5 nodes here, 15 s before the peak its own forecast saw,
    // and the reactive rule then booted them back 5 minutes late.
    expect(acts).toEqual([]);
  });

  it('scales in as before when the peak is beyond now + lead (bin 17)', () => {
    const p = policyWithSpike(17);
    const acts = p.decide(input(645, [pool(20, 4, 0, 0, spec({ bootSeconds: 300 }))], history()));
    expect(acts.map((a) => a.delta)).toEqual([-15]);
  });

  it('does not scale out for a peak inside the boot time (nodes asked now would be late): the hold only limits a scale-in', () => {
    const p = policyWithSpike(11);
    const acts = p.decide(input(645, [pool(5, 4, 0, 0, spec({ bootSeconds: 300 }))], history()));
    expect(acts).toEqual([]);
  });
});
