import { describe, expect, it } from 'vitest';
import type { Allocator } from '../../src/algorithms/allocator.js';
import { toJson } from '../../src/report/json.js';
import { buildScenario } from '../../src/scenario/build.js';
import { parseScenario } from '../../src/scenario/load.js';
import { compareStrategies } from '../../src/sim/compare.js';

/**
 * Deterministic budgets: in the simulator the batch strategies stop on work (LP iterations, B&B
 * nodes, generations), never on the wall clock, so the same scenario and seed give byte-identical
 * JSON. The scenario is congested on purpose (three nodes per pool, 60 arrivals/s): queues grow far
 * beyond the 150 requests a batch model takes, the ILP has real HiGHS solves to do, and a short
 * genetic search whose answer depends on every random draw.
 */
const SCENARIO = `
name: batch-determinism
seed: 7
horizon: 6s
pools:
  - { name: gpu, capacity: { cpu: 96, memory: 1Ti, gpu: 8 }, nodes: { min: 3, max: 3, initial: 3 }, pricePerHour: 39.3, latencyMs: 15 }
  - { name: small-gpu, capacity: { cpu: 48, memory: 192Gi, gpu: 4 }, nodes: { min: 3, max: 3, initial: 3 }, pricePerHour: 4.6, latencyMs: 40 }
  - { name: cpu, capacity: { cpu: 32, memory: 128Gi }, nodes: { min: 3, max: 3, initial: 3 }, pricePerHour: 1.6, latencyMs: 10 }
trace:
  kind: synthetic
  horizon: 6s
  arrival: { rate: 60 }
  tenants: [{ name: a, weight: 2 }, { name: b, weight: 1 }]
  priorities:
    - { priority: high, weight: 0.4, sloWait: 2 }
    - { priority: medium, weight: 0.4, sloWait: 30 }
    - { priority: background, weight: 0.2, preemptibleShare: 1 }
  profiles:
    - { name: tool, weight: 3, demand: { cpu: 1, memory: 2Gi }, duration: { dist: lognormal, mu: 2.3, sigma: 1 } }
    - { name: embed, weight: 1, demand: { cpu: 4, memory: 16Gi, gpu: 0.5 }, duration: { dist: lognormal, mu: 3, sigma: 0.5 } }
    - { name: big, weight: 0.3, demand: { cpu: 12, memory: 64Gi, gpu: 2 }, duration: { dist: lognormal, mu: 3.5, sigma: 0.5 } }
queue: priority
strategies:
  - ilp
  # a short search: its answer depends on every random draw, so any non-repeatable input shows
  - { name: genetic, options: { generations: 3, population: 6, mutationRate: 0.3 }, label: genetic-short }
  # HiGHS forced: over classes of identical requests (three shapes here) most models are tiny, and
  # 'auto' gives those to javascript-lp-solver; this one keeps HiGHS (its work budget) in the run
  - { name: ilp, options: { maxNodes: 1, maxLpIterations: 40, backend: highs }, preemption: true, label: ilp-tight-preempt }
`;

/**
 * Wraps an allocator to record the kind of budget every decision got, how its searches ended, and
 * every placement (the JSON holds only aggregate metrics, which may hide a different decision).
 */
function recording(inner: Allocator, kinds: Set<string>, ends: Map<string, number>, placements: string[]): Allocator {
  return {
    name: inner.name,
    prepare: () => inner.prepare?.() ?? Promise.resolve(),
    allocate: (requests, cluster, ctx) => {
      kinds.add(ctx.budget.kind);
      const d = inner.allocate(requests, cluster, ctx);
      placements.push(`${inner.name}: ${d.placements.map((p) => `${p.requestId}@${p.nodeId}`).join(' ')}`);
      const key = `${inner.name} ${d.solver?.backend ?? '-'} ${d.solver?.stoppedBy ?? '-'}`;
      ends.set(key, (ends.get(key) ?? 0) + 1);
      return d;
    },
  };
}

describe('deterministic budgets in the simulator', () => {
  it('gives byte-identical JSON for ilp and genetic on a congested scenario, with work budgets only', async () => {
    const sc = parseScenario(SCENARIO, 'determinism.yaml');
    const kinds = new Set<string>();
    const ends = new Map<string, number>();
    const run = async (): Promise<{ json: string; placements: string[] }> => {
      const placements: string[] = [];
      const input = await buildScenario(sc, { file: 'determinism.yaml', dataRoot: '.' });
      const strategies = input.strategies.map((s) => ({ ...s, allocator: () => recording(s.allocator(), kinds, ends, placements) }));
      return { json: toJson(await compareStrategies({ ...input, strategies })), placements };
    };
    const first = await run();
    const second = await run();
    expect(second.json).toBe(first.json);
    expect(second.placements).toEqual(first.placements);
    const a = first.json;
    expect([...kinds]).toEqual(['work']);
    // The run exercised the real paths: HiGHS solves, and GA searches ended by their work budget.
    const keys = [...ends.keys()];
    expect(keys.some((k) => /^ilp(\+preemption)? highs/.test(k))).toBe(true);
    expect(ends.get('genetic genetic work') ?? 0).toBeGreaterThan(0);
    const parsed = JSON.parse(a) as { results: { state: string; strategy: string; decisions: number; solverStatus: Record<string, number> }[] };
    expect(parsed.results.map((r) => r.state)).toEqual(['completed', 'completed', 'completed']);
    for (const r of parsed.results) expect(Object.values(r.solverStatus).reduce((s, n) => s + n, 0)).toBe(r.decisions);
  });
});
