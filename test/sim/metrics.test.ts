import { describe, expect, it } from 'vitest';
import { boundedSlowdown, computeMetrics, jainIndex, percentiles } from '../../src/sim/metrics.js';
import { meanOverEpisodes } from '../../src/sim/reference/episodes.js';
import { EV, EventLog } from '../../src/sim/log.js';
import type { PoolSpec } from '../../src/core/model.js';

describe('metric functions (hand-computed)', () => {
  it('Jain index', () => {
    expect(jainIndex([1, 1, 1, 1])).toBe(1);
    expect(jainIndex([1, 0, 0, 0])).toBe(0.25);
    // (1 + 2/3)^2 / (2 * (1 + 4/9)) = (25/9) / (26/9) = 25/26
    expect(jainIndex([1, 2 / 3])).toBeCloseTo(25 / 26, 12);
    expect(jainIndex([])).toBeNull();
  });

  it('bounded slowdown with tau = 10 s', () => {
    expect(boundedSlowdown(0, 5, 5)).toBe(1); // short job: max(1, 5/10)
    expect(boundedSlowdown(0, 30, 10)).toBe(3);
    expect(boundedSlowdown(100, 130, 2)).toBe(3); // 30 / max(2, 10)
  });

  it('percentiles interpolate between order statistics', () => {
    const p = percentiles([0, 0, 5]);
    expect(p.mean).toBeCloseTo(5 / 3, 12);
    expect(p.p50).toBe(0);
    expect(p.p95).toBeCloseTo(4.5, 12);
    expect(p.p99).toBeCloseTo(4.9, 12);
  });
});

describe('computeMetrics over a hand-built log', () => {
  // One pool, 2 nodes of [cpu 4, gpu 2], price 3.6/h (= 0.001/s).
  const pool: PoolSpec = { name: 'p', capacity: [4, 2], nodes: { min: 2, max: 2, initial: 2 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} };
  const log = new EventLog([pool]);
  const a = log.addRequest({ id: 'a', tenant: 'x', arrival: 0, demand: [4, 1], duration: 10, priority: 'high', sloWait: 0 });
  const b = log.addRequest({ id: 'b', tenant: 'y', arrival: 0, demand: [2, 2], duration: 20, priority: 'low', sloWait: 5 });
  const c = log.addRequest({ id: 'c', tenant: 'y', arrival: 5, demand: [8, 0], duration: 1, priority: 'low' });
  log.nodePool.push(0, 0);
  log.push(EV.nodeProvision, 0, 0, 0);
  log.push(EV.nodeUp, 0, 0, 0);
  log.push(EV.nodeProvision, 0, 0, 1);
  log.push(EV.nodeUp, 0, 0, 1);
  log.push(EV.arrive, 0, a);
  log.push(EV.arrive, 0, b);
  log.push(EV.start, 0, a, 0);
  log.push(EV.arrive, 5, c);
  log.reject(5, c, 'never-fits');
  log.push(EV.complete, 10, a, 0);
  log.push(EV.start, 10, b, 0); // waited 10 > SLO 5
  log.push(EV.complete, 30, b, 0);
  log.push(EV.nodeRemove, 30, 0, 0);
  log.push(EV.nodeRemove, 30, 0, 1);
  const m = computeMetrics(log, ['cpu', 'gpu']);

  it('counts and rejections', () => {
    expect(m.requests).toMatchObject({ total: 3, completed: 2, rejected: 1, unfinished: 0 });
    expect(m.rejectionsByCode['never-fits']).toBe(1);
  });
  it('utilization = ∫allocated / ∫capacity', () => {
    // cpu: 4*10 + 2*20 = 80 over 8*30 = 240; gpu: 1*10 + 2*20 = 50 over 4*30 = 120
    expect(m.utilization.cpu).toBeCloseTo(80 / 240, 12);
    expect(m.utilization.gpu).toBeCloseTo(50 / 120, 12);
  });
  it('waits, slowdown, SLA by priority', () => {
    expect(m.wait.mean).toBe(5);
    // a: 10/10 = 1 ; b: 30/20 = 1.5
    expect(m.meanBoundedSlowdown).toBeCloseTo(1.25, 12);
    expect(m.sla.byPriority.high).toEqual({ withSlo: 1, met: 1, attainment: 1 });
    expect(m.sla.byPriority.low).toEqual({ withSlo: 1, met: 0, attainment: 0 });
    expect(m.sla.overall.attainment).toBe(0.5);
  });
  it('cost and fairness', () => {
    // 2 nodes × 30 s × 0.001/s
    expect(m.cost.total).toBeCloseTo(0.06, 12);
    expect(m.cost.perCompleted).toBeCloseTo(0.03, 12);
    expect(m.cost.nodeHours).toBeCloseTo(60 / 3600, 12);
    // tenants: x slowdown 1 → 1 ; y slowdown 1.5 → 2/3
    expect(m.fairness.jain).toBeCloseTo(25 / 26, 12);
    // y: gpu 2*20 = 40 of 120 → 1/3 ; cpu 40 of 240 → 1/6 → dominant 1/3
    expect(m.fairness.dominantShare.y).toBeCloseTo(1 / 3, 12);
    expect(m.makespan).toBe(30);
    expect(m.throughputPerHour).toBeCloseTo(2 * 120, 9);
  });
  it('GPU fragmentation: free GPU stranded on partly used nodes, time-averaged', () => {
    // 0-10: node0 uses 1 of 2 (1 stranded), node1 empty (2 free) → frag 1, free 3
    // 10-30: node0 uses 2 of 2, node1 empty → frag 0, free 2
    expect(m.gpuFragmentation).toBeCloseTo((1 * 10) / (3 * 10 + 2 * 20), 12);
  });
});

describe('computeMetrics: wait percentiles over the requests that started', () => {
  // Waits 4, 0, 10, 2 (in arrival order), and one request that never started (no wait, not a 0).
  const pool: PoolSpec = { name: 'p', capacity: [100], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} };
  const log = new EventLog([pool]);
  log.nodePool.push(0);
  log.push(EV.nodeProvision, 0, 0, 0);
  log.push(EV.nodeUp, 0, 0, 0);
  const starts = [4, 1, 12, 5];
  const ids = starts.map((_, i) => log.addRequest({ id: `r${i}`, tenant: 't', arrival: i, demand: [1], duration: 1, priority: 'medium' }));
  const never = log.addRequest({ id: 'never', tenant: 't', arrival: 4, demand: [1], duration: 1, priority: 'medium' });
  ids.forEach((r) => log.push(EV.arrive, r, r));
  log.push(EV.arrive, 4, never);
  ids.forEach((r, i) => log.push(EV.start, starts[i] as number, r, 0));
  ids.forEach((r, i) => log.push(EV.complete, (starts[i] as number) + 1, r, 0));
  log.push(EV.unfinished, 13, never);
  const m = computeMetrics(log, ['cpu']);

  it('mean and interpolated quantiles of 0, 2, 4, 10 (hand-checked)', () => {
    expect(m.requests).toMatchObject({ total: 5, completed: 4, unfinished: 1 });
    expect(m.wait.mean).toBe(4);
    expect(m.wait.p50).toBe(3); // halfway between 2 and 4
    expect(m.wait.p95).toBeCloseTo(9.1, 12); // position 2.85: 4 + 0.85 × 6
    expect(m.wait.p99).toBeCloseTo(9.82, 12); // position 2.97: 4 + 0.97 × 6
  });
});

describe('computeMetrics when nothing started', () => {
  it('reports no wait and no slowdown (null), not a wait of 0 that would rank best', () => {
    const pool: PoolSpec = { name: 'p', capacity: [4, 2], nodes: { min: 0, max: 0, initial: 0 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} };
    const log = new EventLog([pool]);
    const a = log.addRequest({ id: 'a', tenant: 'x', arrival: 0, demand: [1, 0], duration: 10, priority: 'high', sloWait: 5 });
    log.push(EV.arrive, 0, a);
    const m = computeMetrics(log, ['cpu', 'gpu']);
    expect(m.requests).toMatchObject({ total: 1, completed: 0 });
    expect(m.wait).toEqual({ mean: null, p50: null, p95: null, p99: null });
    expect(m.meanBoundedSlowdown).toBeNull();
    expect(m.sla.overall).toEqual({ withSlo: 1, met: 0, attainment: 0 });
    expect(percentiles([])).toEqual({ mean: null, p50: null, p95: null, p99: null });
  });
});

describe('utilization of a dimension the cluster has none of', () => {
  // One CPU-only node [cpu 4, gpu 0] busy half of 20 s with 2 cpu: cpu 2*10 / (4*20) = 0.25.
  const pool: PoolSpec = { name: 'c', capacity: [4, 0], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} };
  const log = new EventLog([pool]);
  const a = log.addRequest({ id: 'a', tenant: 'x', arrival: 0, demand: [2, 0], duration: 10, priority: 'high' });
  log.nodePool.push(0);
  log.push(EV.nodeProvision, 0, 0, 0);
  log.push(EV.nodeUp, 0, 0, 0);
  log.push(EV.arrive, 0, a);
  log.push(EV.start, 0, a, 0);
  log.push(EV.complete, 10, a, 0);
  log.push(EV.nodeRemove, 20, 0, 0);
  const m = computeMetrics(log, ['cpu', 'gpu']);

  it('is null (no GPU to be idle), not 0; the others as before', () => {
    expect(m.utilization.cpu).toBeCloseTo(0.25, 12);
    expect(m.utilization.gpu).toBeNull();
  });
  it('is null in a mean over episodes, and the others are means', () => {
    const two = meanOverEpisodes([m, { ...m, utilization: { cpu: 0.75, gpu: null } }]);
    expect(two.utilization).toEqual({ cpu: 0.5, gpu: null });
  });
});

describe("Jain's index with a tenant starved until the run ended", () => {
  // One node of 4 cpu; the run ends (horizon) at 100 s. Tenant x: a (10 s) runs 0-10, bounded
  // slowdown 1. Tenant y: b (20 s) waits from 0 and never starts; c (10 s) arrives at 50, starts
  // at 50 and is still running at 100. By the end b has slowed down 100 / 20 = 5 and c 50 / 10 = 5:
  // y's mean is 5, its value 1/5. Jain([1, 0.2]) = 1.2² / (2 · (1 + 0.04)) = 1.44 / 2.08.
  const pool: PoolSpec = { name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} };
  const build = (withC: boolean): EventLog => {
    const log = new EventLog([pool]);
    const a = log.addRequest({ id: 'a', tenant: 'x', arrival: 0, demand: [4], duration: 10, priority: 'medium' });
    const b = log.addRequest({ id: 'b', tenant: 'y', arrival: 0, demand: [4], duration: 20, priority: 'low' });
    const c = withC ? log.addRequest({ id: 'c', tenant: 'y', arrival: 50, demand: [1], duration: 10, priority: 'medium' }) : -1;
    log.nodePool.push(0);
    log.push(EV.nodeProvision, 0, 0, 0);
    log.push(EV.nodeUp, 0, 0, 0);
    log.push(EV.arrive, 0, a);
    log.push(EV.arrive, 0, b);
    log.push(EV.start, 0, a, 0);
    log.push(EV.complete, 10, a, 0);
    if (withC) {
      log.push(EV.arrive, 50, c);
      log.push(EV.start, 50, c, 0);
    }
    log.push(EV.unfinished, 100, b);
    if (withC) log.push(EV.unfinished, 100, c);
    log.push(EV.nodeRemove, 100, 0, 0);
    return log;
  };

  it('counts the starved tenant (its waiting and running requests slowed down until the end), not only tenants that completed work', () => {
    const m = computeMetrics(build(true), ['cpu']);
    expect(m.requests).toMatchObject({ completed: 1, unfinished: 2 });
    expect(m.fairness.jain).toBeCloseTo(1.44 / 2.08, 12);
    // The run's mean bounded slowdown stays over completed requests only.
    expect(m.meanBoundedSlowdown).toBe(1);
  });
  it('a tenant none of whose requests started is not a perfectly fair 1', () => {
    // y: b alone, slowdown 5 → Jain([1, 0.2]) as above.
    const m = computeMetrics(build(false), ['cpu']);
    expect(m.fairness.jain).toBeCloseTo(1.44 / 2.08, 12);
    expect(m.fairness.dominantShare).toEqual({ x: 0.1, y: 0 });
  });
});

describe('SLA and cost at the horizon, as the README defines them', () => {
  // One node of 4 cpu at 3.6/h, provisioned at 0, up at 30 (boot), run cut at 100 (horizon).
  // a: sloWait 40, arrives 0, starts 30 (met), expires at 60 (a wait SLO only: still met).
  // b: sloWait 5, rejected at 0 (missed). c: sloWait 300, arrives 90, still waiting at 100
  // (missed, though 300 s had not run out). d: deadline 80, arrives 60, starts 60, still running
  // at 100 (missed).
  const pool: PoolSpec = { name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 30, labels: {} };
  const log = new EventLog([pool]);
  const a = log.addRequest({ id: 'a', tenant: 'x', arrival: 0, demand: [2], duration: 50, priority: 'high', sloWait: 40 });
  const b = log.addRequest({ id: 'b', tenant: 'x', arrival: 0, demand: [8], duration: 10, priority: 'high', sloWait: 5 });
  const d = log.addRequest({ id: 'd', tenant: 'x', arrival: 60, demand: [2], duration: 30, priority: 'low', deadline: 80 });
  const c = log.addRequest({ id: 'c', tenant: 'x', arrival: 90, demand: [4], duration: 10, priority: 'low', sloWait: 300 });
  log.nodePool.push(0);
  log.push(EV.nodeProvision, 0, 0, 0);
  log.push(EV.arrive, 0, a);
  log.push(EV.arrive, 0, b);
  log.reject(0, b, 'never-fits');
  log.push(EV.nodeUp, 30, 0, 0);
  log.push(EV.start, 30, a, 0);
  log.push(EV.expire, 60, a, 0);
  log.push(EV.arrive, 60, d);
  log.push(EV.start, 60, d, 0);
  log.push(EV.arrive, 90, c);
  log.push(EV.unfinished, 100, c);
  log.push(EV.unfinished, 100, d);
  log.push(EV.nodeRemove, 100, 0, 0);
  const m = computeMetrics(log, ['cpu']);

  it('met: started within sloWait and done by the deadline; rejected, still waiting or past the deadline: missed', () => {
    expect(m.sla.byPriority.high).toEqual({ withSlo: 2, met: 1, attainment: 0.5 });
    expect(m.sla.byPriority.low).toEqual({ withSlo: 2, met: 0, attainment: 0 });
  });
  it('cost bills the boot (100 s × $0.001/s); utilization counts capacity only while up (70 s)', () => {
    expect(m.cost.total).toBeCloseTo(0.1, 12);
    expect(m.cost.nodeHours).toBeCloseTo(100 / 3600, 12);
    // a: 2 cpu × 30 s, d: 2 cpu × 40 s = 140 over 4 × 70 = 280
    expect(m.utilization.cpu).toBeCloseTo(0.5, 12);
  });
});

describe('GPU fragmentation of GPUs that were never free', () => {
  // One node [cpu 4, gpu 1] whose GPU a runs on from 0 to the end (10 s): no free GPU, nothing
  // stranded. 0 (GPUs were there: utilization 1), not null, which the table prints as '-' like a
  // cluster without GPUs.
  const pool: PoolSpec = { name: 'g', capacity: [4, 1], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} };
  const run = (gpuDemand: number): ReturnType<typeof computeMetrics> => {
    const log = new EventLog([{ ...pool, capacity: [4, gpuDemand === 0 ? 0 : 1] }]);
    const a = log.addRequest({ id: 'a', tenant: 'x', arrival: 0, demand: [1, gpuDemand], duration: 10, priority: 'high' });
    log.nodePool.push(0);
    log.push(EV.nodeProvision, 0, 0, 0);
    log.push(EV.nodeUp, 0, 0, 0);
    log.push(EV.arrive, 0, a);
    log.push(EV.start, 0, a, 0);
    log.push(EV.complete, 10, a, 0);
    log.push(EV.nodeRemove, 10, 0, 0);
    return computeMetrics(log, ['cpu', 'gpu']);
  };
  it('is 0 when the GPUs were busy throughout, null only without GPU capacity', () => {
    const busy = run(1);
    expect(busy.utilization.gpu).toBe(1);
    expect(busy.gpuFragmentation).toBe(0);
    const none = run(0);
    expect(none.utilization.gpu).toBeNull();
    expect(none.gpuFragmentation).toBeNull();
  });
});
