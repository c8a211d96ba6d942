import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/scenario/build.js';
import { validateScenarioObject } from '../../src/scenario/load.js';
import { compareStrategies } from '../../src/sim/compare.js';
import type { RunMetrics } from '../../src/sim/metrics.js';

/*
 * A growing service, end to end through a scenario: demand rises on a line (10 → 70 requests a
 * minute over 10 hours, no season), 5-minute boots, no spare capacity in the reactive rule. The
 * predictive policy is given no season; it finds none at most refits and forecasts with the
 * non-seasonal model, so it meets the ramp earlier. With `noSeason: reactive` (the behaviour
 * before) it finds no season at any refit and is the reactive rule. Measured (seed 3): reactive
 * and noSeason reactive 153 misses ($223.96), predictive 67 ($236.14; $238.69 while the model was
 * built for a 12-step horizon instead of the policy's 7).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-noseason-'));
const csv = path.join(dir, 'growing.csv');
const start = Date.UTC(2026, 0, 5);
writeFileSync(csv, ['timestamp,value', ...Array.from({ length: 600 }, (_, i) => `${new Date(start + i * 60_000).toISOString().replace('T', ' ').slice(0, 19)},${(10 + 0.1 * i).toFixed(1)}`)].join('\n') + '\n');
const file = path.join(dir, 'growing.yaml');

/** No spare capacity in the reactive rule (target 1.0): the quantile is the only buffer, as in scenarios/autoscale-genai.yaml. */
const reactive = { target: 1 };

function scenario(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'growing',
    seed: 3,
    dimensions: ['cpu', 'memory'],
    pools: [{ name: 'workers', capacity: { cpu: 16, memory: '64Gi' }, nodes: { min: 1, max: 80, initial: 5 }, pricePerHour: 1, boot: '5m' }],
    trace: { kind: 'demand-series', file: csv, sampleSeconds: 60, scale: 1, profiles: [{ name: 'job', demand: { cpu: 2, memory: '8Gi' }, duration: { dist: 'lognormal', mu: 5.193, sigma: 0.75 } }], priorities: [{ priority: 'high', weight: 1, sloWait: 60 }] },
    queue: 'fcfs',
    strategies: [
      { name: 'first-fit', label: 'reactive', scaling: { policy: 'reactive', options: reactive } },
      { name: 'first-fit', label: 'predictive', scaling: { policy: 'predictive', options: { quantile: 0.95, reactive } } },
      { name: 'first-fit', label: 'predictive-nsr', scaling: { policy: 'predictive', options: { quantile: 0.95, reactive, noSeason: 'reactive' } } },
    ],
    ...extra,
  };
}

describe('predictive scaling of a growing service without a season (scenario)', () => {
  it('forecasts without a season, says so, and has fewer SLO misses than the reactive fallback', async () => {
    const res = await compareStrategies(await buildScenario(validateScenarioObject(scenario(), file), { file, dataRoot: dir }));
    const m: Record<string, RunMetrics> = {};
    const notes: Record<string, readonly string[] | undefined> = {};
    for (const r of res.results) {
      if (r.state !== 'completed') throw new Error(`${r.strategy}: ${r.error}`);
      m[r.strategy] = r.metrics;
      notes[r.strategy] = r.scalingNotes;
    }
    const misses = (s: string): number => (m[s] as RunMetrics).sla.overall.withSlo - (m[s] as RunMetrics).sla.overall.met;
    const cost = (s: string): number => (m[s] as RunMetrics).cost.total;
    console.log(`growing: reactive ${misses('reactive')} misses $${cost('reactive').toFixed(2)}; predictive ${misses('predictive')} $${cost('predictive').toFixed(2)}; predictive-nsr ${misses('predictive-nsr')} $${cost('predictive-nsr').toFixed(2)}`);
    expect(notes.predictive?.[0]).toMatch(/^pool 'workers': forecast in \d+ of \d+ decisions \((all|\d+ of them) without a season: none was found, so a non-seasonal model chosen on the bins so far, last '[a-z+-]+'\); the reactive rule in the others \(\d+ warm-up \(under 120 bins of history\)\)$/);
    expect(notes['predictive-nsr']?.[0]).toMatch(/^pool 'workers': never forecast: all \d+ decisions were the reactive rule \(\d+ fit failed: .*no seasonal period could be detected/);
    // The old behaviour is the reactive rule here, decision for decision.
    expect(misses('predictive-nsr')).toBe(misses('reactive'));
    expect(cost('predictive-nsr')).toBeCloseTo(cost('reactive'), 9);
    expect(misses('reactive')).toBeGreaterThan(100);
    // At most 2/3 of the reactive rule's misses, for at most 10 % more cost.
    expect(misses('predictive')).toBeLessThan((2 / 3) * misses('reactive'));
    expect(cost('predictive')).toBeLessThan(1.1 * cost('reactive'));
  }, 120_000);
});
