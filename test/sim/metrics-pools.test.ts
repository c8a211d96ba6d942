import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../src/core/model.js';
import type { ComparisonResult } from '../../src/sim/compare.js';
import { compareStrategies } from '../../src/sim/compare.js';
import { EV, EventLog } from '../../src/sim/log.js';
import { computeMetrics, runFacts } from '../../src/sim/metrics.js';
import { episodeMetrics } from '../../src/sim/reference/episodes.js';
import { htmlReport } from '../../src/report/html.js';
import { breakdownTables, comparisonTable } from '../../src/report/table.js';
import { buildScenario } from '../../src/scenario/build.js';
import { loadScenario } from '../../src/scenario/load.js';

/*
 * metrics.byPool by hand. Pool 'big': [cpu 4, gpu 2], 36/h (0.01 per node-second); pool 'small':
 * [cpu 2, gpu 0], 3.6/h (0.001). Node 0 (big) and node 2 (small) are up at t = 0; node 1 (big) is
 * provisioned at 0, boots until 10, takes r3 at 20, fails at 30 (r3 evicted) and stays billed,
 * failed, until every node is removed at 40. Node 2 is removed at 30 and node 3 (small)
 * provisioned and up from 35 to 40: never more than one small node at once.
 *   big:   billed 40 + 40 = 80 node-s → cost 0.8; capacity up: node 0 for 40 s, node 1 for 20 s
 *          (10-30) = 60 × [4, 2] = [240, 120]; allocated r1 [2, 1] × 30 + r3 [4, 2] × 10 = [100, 50].
 *   small: billed 30 + 5 = 35 node-s → 0.035; capacity [2, 0] × 35 = [70, 0]; allocated r2 [1, 0] × 20 = [20, 0].
 */
function tinyLog(): EventLog {
  const big: PoolSpec = { name: 'big', capacity: [4, 2], nodes: { min: 0, max: 2, initial: 2 }, pricePerHour: 36, latencyMs: 0, bootSeconds: 10, labels: {} };
  const small: PoolSpec = { name: 'small', capacity: [2, 0], nodes: { min: 0, max: 1, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} };
  const log = new EventLog([big, small]);
  const r1 = log.addRequest({ id: 'r1', tenant: 't', arrival: 0, demand: [2, 1], duration: 30, priority: 'medium' });
  const r2 = log.addRequest({ id: 'r2', tenant: 't', arrival: 0, demand: [1, 0], duration: 20, priority: 'medium' });
  const r3 = log.addRequest({ id: 'r3', tenant: 't', arrival: 20, demand: [4, 2], duration: 60, priority: 'medium' });
  log.nodePool.push(0, 0, 1, 1);
  log.push(EV.nodeProvision, 0, 0, 0);
  log.push(EV.nodeUp, 0, 0, 0);
  log.push(EV.nodeProvision, 0, 0, 1);
  log.push(EV.nodeProvision, 0, 1, 2);
  log.push(EV.nodeUp, 0, 1, 2);
  log.push(EV.arrive, 0, r1);
  log.push(EV.start, 0, r1, 0);
  log.push(EV.arrive, 0, r2);
  log.push(EV.start, 0, r2, 2);
  log.push(EV.nodeUp, 10, 0, 1);
  log.push(EV.complete, 20, r2, 2);
  log.push(EV.arrive, 20, r3);
  log.push(EV.start, 20, r3, 1);
  log.push(EV.nodeFail, 30, 0, 1);
  log.push(EV.failEvict, 30, r3, 1);
  log.push(EV.complete, 30, r1, 0);
  log.push(EV.nodeRemove, 30, 1, 2);
  log.push(EV.nodeProvision, 35, 1, 3);
  log.push(EV.nodeUp, 35, 1, 3);
  log.push(EV.unfinished, 40, r3);
  log.push(EV.nodeRemove, 40, 0, 0);
  log.push(EV.nodeRemove, 40, 0, 1);
  log.push(EV.nodeRemove, 40, 1, 3);
  return log;
}

describe('metrics.byPool: cost and utilization per pool', () => {
  it('a hand-checked log of 2 pools, with a boot and a failure', () => {
    const m = computeMetrics(tinyLog(), ['cpu', 'gpu']);
    const big = m.byPool.big;
    const small = m.byPool.small;
    expect(Object.keys(m.byPool)).toEqual(['big', 'small']);
    expect(big?.nodeHours).toBeCloseTo(80 / 3600, 12);
    expect(big?.cost).toBeCloseTo(0.8, 12);
    expect(big?.utilization.cpu).toBeCloseTo(100 / 240, 12);
    expect(big?.utilization.gpu).toBeCloseTo(50 / 120, 12);
    expect(big?.peakNodes).toBe(2);
    expect(small?.nodeHours).toBeCloseTo(35 / 3600, 12);
    expect(small?.cost).toBeCloseTo(0.035, 12);
    expect(small?.utilization.cpu).toBeCloseTo(20 / 70, 12);
    expect(small?.utilization.gpu).toBeNull();
    expect(small?.peakNodes).toBe(1);
    // The run's totals are the pools' sums.
    expect(m.cost.total).toBeCloseTo(0.835, 12);
    expect(m.cost.nodeHours).toBeCloseTo(115 / 3600, 12);
    expect(m.utilization.cpu).toBeCloseTo(120 / 310, 12);
  });

  it("an episode's metrics take the idle span before its first arrival out of each pool too", () => {
    // Two 1-cpu pools at 3.6/h and 36/h, one node each, up from t = 0; the episode starts at 100,
    // one request runs on the first node 100-200, both nodes are removed at 200.
    const spec = (name: string, pricePerHour: number): PoolSpec => ({ name, capacity: [1], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour, latencyMs: 0, bootSeconds: 0, labels: {} });
    const log = new EventLog([spec('a', 3.6), spec('b', 36)]);
    const r = log.addRequest({ id: 'r', tenant: 't', arrival: 100, demand: [1], duration: 100, priority: 'medium' });
    log.nodePool.push(0, 1);
    for (const n of [0, 1]) {
      log.push(EV.nodeProvision, 0, n, n);
      log.push(EV.nodeUp, 0, n, n);
    }
    log.push(EV.arrive, 100, r);
    log.push(EV.start, 100, r, 0);
    log.push(EV.complete, 200, r, 0);
    log.push(EV.nodeRemove, 200, 0, 0);
    log.push(EV.nodeRemove, 200, 1, 1);
    const m = episodeMetrics(log, ['cpu'], 100);
    expect(m.cost.total).toBeCloseTo(0.1 + 1, 12);
    expect(m.byPool.a).toMatchObject({ peakNodes: 1, utilization: { cpu: 1 } });
    expect(m.byPool.a?.cost).toBeCloseTo(0.1, 12);
    expect(m.byPool.b?.cost).toBeCloseTo(1, 12);
    expect(m.byPool.b?.nodeHours).toBeCloseTo(100 / 3600, 12);
    expect(m.byPool.b?.utilization.cpu).toBe(0);
  });

  // default.yaml: 3 pools and a failure; autoscale-genai: nodes removed mid-run by the autoscaler.
  it.each(['default.yaml', 'autoscale-genai.yaml'])('sums to the run: costs and node-hours to the totals, allocated and capacity integrals to the run-wide ones (%s, every strategy)', async (name) => {
    const file = path.resolve(import.meta.dirname, '../../scenarios', name);
    const input = await buildScenario(await loadScenario(file), { file, dataRoot: path.resolve(import.meta.dirname, '../../../shared/data') });
    let checked = 0;
    const result = await compareStrategies({
      ...input,
      onLog: (_i, _label, log) => {
        const f = runFacts(log, input.space.names);
        const D = f.dims.length;
        const P = log.pools.length;
        const total = (xs: Float64Array): number => xs.reduce((a, x) => a + x, 0);
        expect(total(f.pools.cost)).toBeCloseTo(f.cost, 9);
        expect(total(f.pools.nodeSeconds)).toBeCloseTo(f.nodeSeconds, 6);
        for (let d = 0; d < D; d++) {
          let alloc = 0;
          let cap = 0;
          for (let p = 0; p < P; p++) {
            alloc += f.pools.allocInt[p * D + d] as number;
            cap += f.pools.capInt[p * D + d] as number;
          }
          expect(Math.abs(alloc - (f.allocInt[d] as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, f.allocInt[d] as number));
          expect(Math.abs(cap - (f.capInt[d] as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, f.capInt[d] as number));
        }
        checked++;
      },
    });
    expect(checked).toBe(input.strategies.length);
    for (const r of result.results) {
      if (r.state !== 'completed') throw new Error(`${r.strategy}: ${r.error}`);
      const pools = Object.values(r.metrics.byPool);
      expect(pools.length).toBe(input.pools.length);
      const cost = pools.reduce((a, p) => a + p.cost, 0);
      expect(Math.abs(cost - r.metrics.cost.total)).toBeLessThanOrEqual(1e-9 * r.metrics.cost.total);
      expect(pools.reduce((a, p) => a + p.nodeHours, 0)).toBeCloseTo(r.metrics.cost.nodeHours, 9);
    }
  }, 120_000);

  it('the terminal and HTML breakdown shows the pools only when the scenario has more than one', async () => {
    const log = tinyLog();
    const m = computeMetrics(log, ['cpu', 'gpu']);
    const result: ComparisonResult = { scenario: 's', seed: '1', dimensions: ['cpu', 'gpu'], results: [{ state: 'completed', strategy: 'ff', metrics: m, solverStatus: {}, decisions: 0 } as never] };
    const table = breakdownTables(result).pools;
    expect(table).not.toBeNull();
    const lines = (table as string).split('\n');
    expect(lines[0]).toMatch(/^strategy\s+pool\s+peak nodes\s+node-h\s+cost\s+cost share\s+util cpu\s+util gpu$/);
    expect(lines[2]).toMatch(/^ff\s+big\s+2\s+0\.02\s+0\.80\s+95\.8%\s+41\.7%\s+41\.7%$/);
    expect(lines[3]).toMatch(/^ff\s+small\s+1\s+0\.01\s+0\.03\s+4\.2%\s+28\.6%\s+-$/);
    expect(comparisonTable(result)).toContain(`Cost and utilization by pool:\n${table as string}`);
    expect(htmlReport(result, { title: 't' })).toContain('<h3>Cost and utilization by pool</h3>');
    const one = { ...result, results: [{ state: 'completed', strategy: 'ff', metrics: { ...m, byPool: { big: m.byPool.big } }, solverStatus: {}, decisions: 0 } as never] };
    expect(breakdownTables(one).pools).toBeNull();
    expect(comparisonTable(one)).not.toContain('by pool');
    expect(htmlReport(one, { title: 't' })).not.toContain('by pool');
  });
});
