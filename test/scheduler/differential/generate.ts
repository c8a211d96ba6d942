import type { Priority } from '../../../src/core/priority.js';
import { Rng } from '../../../src/core/rng.js';
import type { QuotaConfig } from '../../../src/engine/quota.js';
import type { QueuePolicyName } from '../../../src/queue/registry.js';

/**
 * Seeded random workloads for the differential test (simulator vs ResourceScheduler). Every draw
 * comes from one `Rng` (src/core/rng.ts) per case, so a failing case is named by its seed alone.
 *
 * Times are multiples of 1/8 s: whole milliseconds on the scheduler's clock and exact binary
 * fractions in the simulator's seconds, so start + duration is the same instant on both sides.
 */
export const TICK = 125;
export const DIMS = ['cpu', 'memory', 'gpu'] as const;
export const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'background'];

/** The classical allocators the differential test runs (the GPU/learned/batch ones are out of scope). */
export const ALLOCATORS = ['first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin'] as const;
export type ClassicalAllocator = (typeof ALLOCATORS)[number];

export interface PolicyChoice {
  readonly label: string;
  readonly name: QueuePolicyName;
  readonly options: Record<string, unknown>;
}

/** Queue policies: FCFS with and without blocking, priority classes, SJF, EASY backfilling, DRF (fair share). */
export const POLICIES: readonly PolicyChoice[] = [
  { label: 'fcfs-blocking', name: 'fcfs', options: {} },
  { label: 'fcfs-nonblocking', name: 'fcfs', options: { blocking: false } },
  { label: 'fcfs-easy', name: 'fcfs', options: { blocking: true, backfill: 'easy' } },
  { label: 'priority', name: 'priority', options: {} },
  { label: 'sjf', name: 'sjf', options: {} },
  { label: 'sjf-easy-commit', name: 'sjf', options: { blocking: true, backfill: 'easy', headOfLine: 'commit' } },
  { label: 'drf', name: 'drf', options: {} },
];

/** Tenant a is capped, b and c have guarantees (so reclaim happens), d has neither. */
export const QUOTAS: QuotaConfig = { tenants: { a: { max: { cpu: 0.5 } }, b: { guaranteed: { cpu: 0.4, gpu: 0.5 } }, c: { guaranteed: { memory: 0.3 } } } };

export interface PoolShape {
  readonly capacity: readonly number[];
  readonly nodes: number;
  /** GPU devices per node (capacity[gpu] equals it); absent: a scalar GPU. */
  readonly gpuDevices?: number;
}

export interface Spec {
  readonly id: string;
  readonly arrivalMs: number;
  readonly durationMs: number;
  readonly leaseMs?: number;
  readonly demand: readonly number[];
  readonly priority: Priority;
  readonly tenant: string;
  readonly preemptible: boolean;
  readonly dependsOn: readonly string[];
}

/** One node of `pool` (the lowest id up then, as the simulator's failure events pick it) fails at `atMs`. */
export interface Failure {
  readonly atMs: number;
  readonly pool: number;
  readonly repairAfterMs?: number;
}

export interface Scenario {
  readonly pools: readonly PoolShape[];
  readonly requests: readonly Spec[];
  readonly failures: readonly Failure[];
  readonly allocator: ClassicalAllocator;
  readonly policy: number;
  readonly preemption: boolean;
  readonly quotas: boolean;
}

/** What one case switches on; the generator draws the rest. */
export interface Features {
  readonly allocator: ClassicalAllocator;
  readonly policy: number;
  readonly preemption: boolean;
  readonly quotas: boolean;
  readonly leases: boolean;
  readonly dependencies: boolean;
  readonly failures: boolean;
  readonly gpuDevices: boolean;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)] as T;

/**
 * A small random workload: 1–3 pools of 1–2 nodes, 4–14 requests (some arriving at the same
 * instant), random priorities, tenants, preemptible work; leases shorter than the work (they
 * expire), equal to it or longer; dependencies on earlier requests; node failures with and
 * without repair; GPU pools with devices (requests for a half device or whole devices).
 *
 * Not generated, because production has no notion of it (not a divergence): autoscaling with
 * boot times (production's `scale()` runs on its own timer, not at simulated instants), random
 * failure processes (`failures.random` draws from the run's Rng; production is told which node
 * failed), `ties: 'arrivals-first'` and per-instant passes (production runs one pass per
 * operation, so the simulator is driven with `passes: 'per-event'`), renewals (covered by
 * engine-parity.test.ts), and queue timeouts (the simulator has none: production's is set huge).
 */
export function generate(seed: number, f: Features): Scenario {
  const rng = new Rng(`differential:${seed}`);
  const pools: PoolShape[] = [];
  for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
    const devices = f.gpuDevices && rng.bernoulli(0.5) ? pick(rng, [1, 2, 4]) : undefined;
    const gpu = devices ?? pick(rng, [0, 0, 2]);
    pools.push({ capacity: [pick(rng, [4, 8, 16]), pick(rng, [16, 64]), gpu], nodes: 1 + rng.int(2), ...(devices === undefined ? {} : { gpuDevices: devices }) });
  }
  const requests: Spec[] = [];
  let t = 0;
  for (let i = 0, n = 4 + rng.int(11); i < n; i++) {
    t += rng.bernoulli(0.3) ? 0 : (1 + rng.int(12)) * TICK;
    const durationMs = (4 + rng.int(120)) * TICK;
    let leaseMs: number | undefined;
    if (f.leases && rng.bernoulli(0.35)) {
      const frac = pick(rng, [0.3, 0.5, 0.9, 1, 1.5]);
      leaseMs = rng.bernoulli(0.3) ? pick(rng, [1000, 2000]) : Math.max(1, Math.round((durationMs * frac) / TICK)) * TICK;
    }
    // GPU: none mostly; half a device or 1–2 whole ones otherwise (a scalar GPU pool reads them as amounts).
    const gpu = rng.bernoulli(0.7) ? 0 : pick(rng, [0.5, 1, 2]);
    const deps: string[] = [];
    if (f.dependencies && i > 0 && rng.bernoulli(0.25)) {
      deps.push(`r${rng.int(i)}`);
      if (rng.bernoulli(0.3)) deps.push(`r${rng.int(i)}`);
    }
    requests.push({
      id: `r${i}`,
      arrivalMs: t,
      durationMs,
      ...(leaseMs === undefined ? {} : { leaseMs }),
      demand: [pick(rng, [1, 2, 3, 4, 6, 20]), pick(rng, [1, 4, 8, 16]), gpu],
      priority: pick(rng, PRIORITIES),
      tenant: pick(rng, ['a', 'b', 'c', 'd']),
      preemptible: rng.bernoulli(0.5),
      dependsOn: [...new Set(deps)],
    });
  }
  const failures: Failure[] = [];
  if (f.failures) {
    for (let i = 0, n = 1 + rng.int(2); i < n; i++) {
      const atMs = Math.round((t * rng.int(121)) / 100 / TICK) * TICK;
      failures.push({ atMs, pool: rng.int(pools.length), ...(rng.bernoulli(0.7) ? { repairAfterMs: (1 + rng.int(200)) * TICK } : {}) });
    }
  }
  return { pools, requests, failures, allocator: f.allocator, policy: f.policy, preemption: f.preemption, quotas: f.quotas };
}
