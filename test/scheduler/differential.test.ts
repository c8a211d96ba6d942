import { describe, expect, it } from 'vitest';
import { produce, simulate } from './differential/drivers.js';
import { ALLOCATORS, POLICIES, generate, type Features } from './differential/generate.js';

/**
 * Differential test: the simulator (`replay`, one pass per event) and `ResourceScheduler` on a
 * manual clock drive the one scheduling pass (src/engine/pass.ts); fed the same seeded random
 * workload, they must make the same decisions: start time, node and GPU devices of every request,
 * preemptions, rejections (with their code), lease expiries, work lost to node failures, and the
 * order of completions; and the same sequence of decisions asked of the allocator. engine-parity.test.ts is the fast-check property over every allocator;
 * this one walks every combination of the classical allocators, queue policies, priority
 * preemption and quotas with a fixed number of seeds each, the other features (leases,
 * dependencies, node failures, GPU devices) switched by the seed, so each combination meets each.
 *
 * A divergence prints its case (seed and features); `generate(seed, features)` rebuilds it.
 * Counterexamples found this way are kept, shrunk and worked out by hand, in
 * differential-regressions.test.ts.
 */
const SEEDS_PER_COMBINATION = 4;

interface Case {
  readonly seed: number;
  readonly features: Features;
}

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 0;
  for (const allocator of ALLOCATORS) {
    for (let policy = 0; policy < POLICIES.length; policy++) {
      for (const preemption of [false, true]) {
        for (const quotas of [false, true]) {
          for (let k = 0; k < SEEDS_PER_COMBINATION; k++, seed++) {
            // Leases, dependencies, failures and GPU devices: each on in two of the four seeds, in different pairs.
            const features: Features = { allocator, policy, preemption, quotas, leases: k % 2 === 0, dependencies: k >= 2, failures: k === 1 || k === 2, gpuDevices: k !== 0 && k !== 3 };
            out.push({ seed, features });
          }
        }
      }
    }
  }
  return out;
}

/** Events the simulator logged across the cases, by kind (rejections by code). */
const seen = new Map<string, number>();

function tally(lines: readonly string[]): void {
  for (const l of lines) {
    const [, kind, , code] = l.split(' ');
    const k = kind === 'reject' ? `reject ${code}` : (kind as string);
    seen.set(k, (seen.get(k) ?? 0) + 1);
    if (kind === 'start' && l.includes('gpu[')) seen.set('start on GPU devices', (seen.get('start on GPU devices') ?? 0) + 1);
  }
}

describe('differential: simulator and ResourceScheduler make the same decisions', () => {
  const all = cases();

  it(`${all.length} seeded workloads: ${ALLOCATORS.length} allocators × ${POLICIES.length} queue policies × preemption × quotas × ${SEEDS_PER_COMBINATION} seeds`, async () => {
    for (const c of all) {
      const s = generate(c.seed, c.features);
      const simCalls: string[] = [];
      const prodCalls: string[] = [];
      const sim = await simulate(s, { calls: simCalls });
      const name = `seed ${c.seed} ${POLICIES[c.features.policy]?.label} ${JSON.stringify(c.features)}`;
      expect(await produce(s, { calls: prodCalls }), name).toEqual(sim);
      // The same decisions asked of the strategy, in the same order: a stateful or randomised
      // strategy then decides alike on both sides too.
      expect(prodCalls, `${name}: allocator calls`).toEqual(simCalls);
      tally(sim);
    }
  }, 60_000);

  it('the workloads exercised every kind of decision (the comparison is not vacuous)', () => {
    for (const k of ['start', 'start on GPU devices', 'complete', 'preempt', 'expire', 'lost', 'node-failed', 'node-repaired', 'reject never-fits', 'reject dependency-failed', 'reject quota']) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  });
});
