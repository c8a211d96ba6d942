import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { ScheduledPolicy } from '../../src/autoscale/scheduled.js';
import { UserError } from '../../src/core/errors.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import { SqliteStore } from '../../src/scheduler/sqlite-store.js';
import { MemoryStore } from '../../src/scheduler/store.js';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';

/**
 * What a JavaScript caller passes `ResourceScheduler` is checked as the HTTP API checks bodies:
 * a misspelt key or a value out of range is a UserError naming the field, never silently the
 * default (`preemtion: true` was no preemption; `durationMS` a lease that never expires).
 */

const pools = [{ name: 'a', capacity: { cpu: 4 }, nodes: 1 }];

function refused(make: () => unknown, field: string, message: RegExp): void {
  let e: unknown;
  try {
    make();
  } catch (x) {
    e = x;
  }
  expect(e, field).toBeInstanceOf(UserError);
  expect((e as UserError).location.field).toBe(field);
  expect((e as Error).message).toMatch(message);
}

const options = (o: Record<string, unknown>) => () => new ResourceScheduler({ timers: false, pools, ...o } as ResourceSchedulerOptions);

describe('ResourceScheduler options', () => {
  it('refuses unknown keys, wrong kinds and values out of range, naming the field', () => {
    refused(options({ preemtion: true }), 'preemtion', /^field 'preemtion': unknown key 'preemtion' \(did you mean 'preemption'\?\)$/);
    refused(options({ queue: { timeout: 5 } }), 'queue.timeout', /^field 'queue\.timeout': unknown key 'timeout' \(did you mean 'timeoutMs'\?\)$/);
    refused(options({ queue: { timeoutMs: -5 } }), 'queue.timeoutMs', /queue\.timeoutMs must be a number ≥ 0, got -5/);
    refused(options({ queue: { maxLength: -1 } }), 'queue.maxLength', /queue\.maxLength must be a whole number ≥ 0, got -1/);
    refused(options({ durability: 'fast' }), 'durability', /durability must be 'per-operation' or 'group', got 'fast' \(a string\)/);
    refused(options({ defaultLeaseMs: -1000 }), 'defaultLeaseMs', /defaultLeaseMs must be a number > 0, got -1000/);
    refused(options({ dimensions: 'cpu' }), 'dimensions', /dimensions must be a non-empty list of names, got 'cpu' \(a string\)/);
    refused(options({ preemption: 'yes' }), 'preemption', /preemption must be true or false/);
    refused(options({ pools: [...pools, { name: 'a', capacity: { cpu: 100 }, nodes: 1 }] }), 'pools[1].name', /pool 'a' is listed twice \(also pools\[0\]\)/);
    // A pool of `pools` is named by its place in the list, as in a serve config.
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: { min: 1, max: 4 } }] }), 'pools[0].nodes.initial', /missing: how many nodes the pool starts with/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: 'two' }] }), 'pools[0].nodes', /nodes must be a count or \{ min, max, initial \}, got 'two' \(a string\)/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: 1, colour: 'red' }] }), 'pools[0].colour', /^field 'pools\[0\]\.colour': unknown key 'colour' \(expected one of bootSeconds, capacity, gpus, labels, latencyMs, name, nodes, pricePerHour, primary\)$/);
    refused(options({ pools: [...pools, { name: 'b', nodes: 1 }] }), 'pools[1].capacity', /^field 'pools\[1\]\.capacity': a node needs some positive capacity$/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 'lots' }, nodes: 1 }] }), 'pools[0].capacity.cpu', /^field 'pools\[0\]\.capacity\.cpu': capacity must be a finite number ≥ 0, got lots$/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: 1, primary: 'gpu' }] }), 'pools[0].primary', /primary 'gpu': the pool's nodes have no gpu/);
    refused(options({ seed: {} }), 'seed', /^field 'seed': seed must be a number or a string, got an object$/);
    refused(options({ quotas: 5 }), 'quotas', /^field 'quotas': quotas must be \{ tenants: \{ NAME: \{ guaranteed, max \} \}, default \}, got 5$/);
    refused(options({ quotas: { default: { max: { cpu: 0.5 } } } }), 'quotas.tenants', /missing: the tenants and their quotas/);
    refused(options({ quotas: { tenants: { a: 0.5 } } }), 'quotas.tenants.a', /a tenant's quota must be \{ guaranteed, max \}/);
    refused(options({ quotas: { tenants: { a: { max: { cpu: 2 } } } } }), 'quotas.tenants.a.max.cpu', /a share must be between 0 and 1, got 2/);
    // A queue given by name or as a policy object, and the documented keys, are accepted.
    for (const queue of ['fcfs', { policy: 'fcfs', timeoutMs: 0, maxLength: 0, requeuePreempted: true }]) options({ queue, durability: 'group', defaultLeaseMs: 1, recentLimit: 0 })().close();
  });
});

describe('ResourceScheduler requests', () => {
  it('refuses unknown fields and values of the wrong kind, naming the field', () => {
    const s = new ResourceScheduler({ timers: false, pools });
    refused(() => s.allocate({ pool: 'a', units: 1, priorty: 'critical' } as never), 'priorty', /^field 'priorty': unknown key 'priorty' \(did you mean 'priority'\?\)$/);
    refused(() => s.allocate({ pool: 'a', units: 1, durationMS: 1000 } as never), 'durationMS', /unknown key 'durationMS' \(did you mean 'durationMs'\?\)$/);
    refused(() => s.allocate({ pool: 'a', units: 1, preemptible: 'yes' } as never), 'preemptible', /preemptible must be true or false, got 'yes' \(a string\)/);
    refused(() => s.allocate({ pool: 'a', units: '2' } as never), 'units', /units must be a finite number ≥ 0, got '2' \(a string\)/);
    // pool and pools both: pool must be one of them (it was accepted and rejected as "no pool matches pools []").
    refused(() => s.allocate({ pool: 'a', pools: ['b'], units: 1 }), 'pool', /pool 'a' is not one of pools \[b\], so the request could run nowhere; give pool or pools/);
    expect(s.allocate({ pool: 'a', pools: ['a', 'b'], units: 1 })).toMatchObject({ status: 'allocated', allocation: { pool: 'a' } });
    refused(() => s.addPool({ name: 'c', capacity: { cpu: 1 }, nodes: 1, colour: 'red' } as never), 'colour', /^field 'colour': unknown key 'colour' \(expected one of bootSeconds, capacity, gpus, labels, latencyMs, name, nodes, pricePerHour, primary\)$/);
    refused(() => s.addPool({ name: 'c', capacity: { cpu: 1 }, nodes: 1, primary: 'gpu' }), 'primary', /primary 'gpu': the pool's nodes have no gpu, so every 'units' request would never fit/);
    refused(() => s.expireAllocations('abc' as never), 'asOf', /asOf must be a time in milliseconds, got abc/);
    // Not a request at all: preempt refused it as allocate does (it threw a TypeError reading its dependsOn).
    for (const r of [null, undefined]) {
      refused(() => s.allocate(r as never), 'request', /a request must be an object/);
      refused(() => s.preempt('x', r as never), 'request', /a request must be an object/);
    }
    expect(s.allocate({ pool: 'a', units: 1, durationMs: 1000, preemptible: true })).toMatchObject({ status: 'allocated', allocation: { preemptible: true } });
    s.close();
  });
});

/** A queue policy written by the caller (the documented QueuePolicy contract): last come, first served. */
const lifo: QueuePolicy = { name: 'lifo', order: (waiting) => [...waiting].reverse(), blocking: false, headOfLine: 'reorder' };

describe('ResourceScheduler strategy, queue and scaling options', () => {
  it('refuses a queue policy that is neither a registry name nor a QueuePolicy, when built (not at the first queue pass)', () => {
    const contract = 'a queue policy name (known: fcfs, priority,';
    refused(options({ queue: { policy: 3 } }), 'queue.policy', new RegExp(`^field 'queue.policy': queue.policy must be ${contract.replace(/[()]/g, '\\$&')}.*\\{ name, order\\(waiting, now\\), blocking, headOfLine \\}, got 3$`));
    refused(options({ queue: { policy: {} } }), 'queue.policy', /, got an object without order\(\)$/);
    refused(options({ queue: { policy: { name: 'x' } } }), 'queue.policy', /, got an object without order\(\)$/);
    refused(options({ queue: { policy: { name: 'x', order: 'fifo' } } }), 'queue.policy', /, got an object whose order is 'fifo' \(a string\), not a function$/);
    refused(options({ queue: { policy: { ...lifo, name: undefined } } }), 'queue.policy.name', /a QueuePolicy needs a name \(a non-empty string\), got undefined/);
    refused(options({ queue: { ...lifo, blocking: 'yes' } }), 'queue.blocking', /blocking must be true or false, got 'yes' \(a string\)/);
    refused(options({ queue: { policy: { ...lifo, headOfLine: 'first' } } }), 'queue.policy.headOfLine', /headOfLine must be 'commit' or 'reorder'/);
    refused(options({ queue: { policy: { ...lifo, staticTie: 'arrival' } } }), 'queue.policy.staticTie', /staticTie must be a function, got 'arrival' \(a string\)/);
    refused(options({ queue: 'nope' }), 'queue.policy', /unknown queue policy 'nope' \(known: fcfs, priority,/);
  });

  it('runs a QueuePolicy object given as queue or as queue.policy', () => {
    for (const queue of [lifo, { policy: lifo }]) {
      const s = new ResourceScheduler({ timers: false, pools, queue });
      const first = s.allocate({ id: 'first', units: 4 });
      expect(first.status).toBe('allocated');
      for (const id of ['second', 'third']) expect(s.allocate({ id, units: 4 }).status).toBe('queued');
      s.release('first');
      expect(s.status('third')?.status).toBe('allocated');
      expect(s.status('second')?.status).toBe('queued');
      expect(s.healthy).toBe(true);
      s.close();
    }
  });

  it('refuses a strategy of the wrong kind, naming the field', () => {
    refused(options({ strategy: 42 }), 'strategy', /^field 'strategy': strategy must be a strategy name \(known: first-fit, .*\), \{ name, options \} or an Allocator object, got 42$/);
    refused(options({ strategy: null }), 'strategy', /got null$/);
    refused(options({ strategy: {} }), 'strategy.name', /^field 'strategy.name': missing: the strategy's name \(known: first-fit,/);
    refused(options({ strategy: { name: 5 } }), 'strategy.name', /expected a strategy name \(known: first-fit, .*\), got 5$/);
    refused(options({ strategy: { name: 'nope' } }), 'strategy.name', /^field 'strategy.name': unknown strategy 'nope' \(known: first-fit,/);
    refused(options({ strategy: 'nope' }), 'strategy', /^field 'strategy': unknown strategy 'nope' \(known: first-fit,/);
    refused(options({ strategy: { name: 'first-fit', preemtion: true } }), 'strategy.preemtion', /^field 'strategy\.preemtion': unknown key 'preemtion' \(did you mean 'preemption'\?\)$/);
    refused(options({ strategy: { name: 'mine', allocate: 1 } }), 'strategy.allocate', /an Allocator's allocate must be a function, got 1/);
  });

  it('words registry options its schema refuses in plain words at the field, from the scheduler as from the registries', () => {
    refused(options({ strategy: { name: 'ilp', options: { bogus: 1 } } }), 'strategy.options.bogus', /^field 'strategy.options.bogus': unknown key 'bogus' \(expected one of backend, budgetShare, candidatesPerPool, classes, costWeight, maxLpIterations, maxNodes, maxRequests, mipGap, packWeight\)$/);
    refused(options({ strategy: { name: 'learned', options: { model: 5 } } }), 'strategy.options.model', /^field 'strategy.options.model': expected a string, got a number$/);
    refused(options({ strategy: { name: 'learned:agent-fleet', options: { model: 'x' } } }), 'strategy.options.model', /^field 'strategy.options.model': unknown key 'model'$/);
    refused(options({ queue: { policy: 'fcfs', options: { bogus: 1 } } }), 'queue.options.bogus', /^field 'queue.options.bogus': unknown key 'bogus' \(expected one of backfill, backfillDepth, blocking, headOfLine, widthDimension\)$/);
    refused(options({ queue: { policy: 'learned-queue:sdsc-sp2', options: { backfill: 'nope' } } }), 'queue.options.backfill', /^field 'queue.options.backfill': expected one of "none", "easy", "conservative" \(did you mean "none"\?\)$/);
    refused(options({ scaling: { policy: 'reactive', options: { bogus: 1 } } }), 'scaling.options.bogus', /^field 'scaling.options.bogus': unknown key 'bogus' \(expected one of dimension, intervalSeconds, metric, pools, scaleDown, scaleUp, target, tolerance\)$/);
    refused(() => createAllocator({ name: 'genetic', options: { generations: -1 } }), 'strategy.options.generations', /^field 'strategy.options.generations': expected a value ≥ 1$/);
    refused(() => createAllocator({ name: 'nope' as never }), 'strategy.name', /unknown strategy 'nope'/);
    refused(() => createQueuePolicy('sjf', { widthDimension: -1 }), 'queue.options.widthDimension', /^field 'queue.options.widthDimension': expected a value ≥ 0$/);
    refused(() => createScalingPolicy('reactive', { target: 'high' }, { seed: '1' }), 'scaling.options.target', /^field 'scaling.options.target': expected a number, got a string$/);
  });

  it('refuses a queue widthDimension the dimensions lack (every width would read 0), and takes one by name', () => {
    const list = '0 = cpu, 1 = gpu';
    refused(options({ dimensions: ['cpu', 'gpu'], queue: { policy: 'f1', options: { widthDimension: 2 } } }), 'queue.options.widthDimension', new RegExp(`^field 'queue.options.widthDimension': there is no dimension 2: expected an index 0-1 or a name of the dimensions \\(${list}\\)$`));
    refused(options({ queue: { policy: 'wfp3', options: { widthDimension: 'gpus' } } }), 'queue.options.widthDimension', /unknown dimension 'gpus': expected a dimension's name or index \(dimensions: 0 = cpu, 1 = memory, 2 = gpu\)$/);
    // The dimensions a store holds count: a fresh store takes the configured ones (cpu only here).
    refused(options({ dimensions: ['cpu'], store: new MemoryStore(), queue: { policy: 'sjf', options: { widthDimension: 'memory' } } }), 'queue.options.widthDimension', /unknown dimension 'memory'/);
    options({ dimensions: ['cpu', 'gpu'], pools: [{ name: 'a', capacity: { cpu: 4, gpu: 1 }, nodes: 1 }], queue: { policy: 'f1', options: { widthDimension: 'gpu' } } })().close();
  });

  it('refuses a scaling option of the wrong kind', () => {
    refused(options({ scaling: 'reactive' }), 'scaling', /^field 'scaling': scaling must be \{ policy, options \} \(policies: static, reactive, predictive, scheduled\) or a ScalingPolicy object, got 'reactive' \(a string\); write scaling: \{ policy: 'reactive' \}$/);
    refused(options({ scaling: { policy: 'nope' } }), 'scaling.policy', /unknown scaling policy 'nope' \(known: static, reactive, predictive, scheduled\)/);
    refused(options({ scaling: { name: 'mine', decide: () => [] } }), 'scaling.intervalSeconds', /a ScalingPolicy's intervalSeconds must be a number > 0, got undefined/);
  });

  it('refuses scaling options naming a pool or dimension the scheduler does not have (the policy would never act on it)', () => {
    const scaling = (policy: string, o: unknown) => options({ dimensions: ['cpu', 'memory'], scaling: { policy, options: o } });
    refused(scaling('reactive', { pools: ['a', 'nosuch'] }), 'scaling.options.pools[1]', /^field 'scaling.options.pools\[1\]': unknown pool 'nosuch' \(pools: a\)$/);
    refused(scaling('predictive', { pools: ['nosuch'] }), 'scaling.options.pools[0]', /unknown pool 'nosuch' \(pools: a\)/);
    refused(scaling('reactive', { metric: 'utilization', dimension: 7 }), 'scaling.options.dimension', /^field 'scaling.options.dimension': there is no dimension 7: expected an index 0-1 or a name of the dimensions \(0 = cpu, 1 = memory\)$/);
    refused(scaling('predictive', { reactive: { metric: 'utilization', dimension: 2 } }), 'scaling.options.reactive.dimension', /there is no dimension 2/);
    refused(scaling('reactive', { metric: 'utilization', dimension: 'gpu' }), 'scaling.options.dimension', /^field 'scaling.options.dimension': unknown dimension 'gpu': expected a dimension's name or index \(dimensions: 0 = cpu, 1 = memory\)$/);
    refused(scaling('predictive', { reactive: { metric: 'utilization', dimension: 'gpu' } }), 'scaling.options.reactive.dimension', /unknown dimension 'gpu'/);
    for (const dimension of ['memory', 1]) {
      scaling('reactive', { metric: 'utilization', dimension })().close();
      scaling('predictive', { reactive: { metric: 'utilization', dimension } })().close();
    }
    refused(scaling('scheduled', { rules: [{ pool: 'nosuch', nodes: 2, at: '08:00' }] }), 'scaling.options.rules[0].pool', /unknown pool 'nosuch' \(pools: a\)/);
    refused(scaling('static', { nodes: { nosuch: 3 } }), 'scaling.options.nodes.nosuch', /unknown pool 'nosuch' \(pools: a\)/);
    // Without dimensions, the default ones (cpu, memory, gpu).
    refused(options({ scaling: { policy: 'reactive', options: { metric: 'utilization', dimension: 3 } } }), 'scaling.options.dimension', /expected an index 0-2 or a name of the dimensions \(0 = cpu, 1 = memory, 2 = gpu\)/);
    for (const o of [{ pools: ['a'], metric: 'utilization', dimension: 1 }, {}]) scaling('reactive', o)().close();
    scaling('scheduled', { rules: [{ pool: 'a', nodes: 1, at: '08:00' }] })().close();
    // With a store, its pools are known once restored: an empty store holds none.
    refused(() => new ResourceScheduler({ timers: false, store: new MemoryStore(), scaling: { policy: 'reactive', options: { pools: ['stored'] } } }), 'scaling.options.pools[0]', /^field 'scaling.options.pools\[0\]': unknown pool 'stored' \(pools: none\)$/);
  });

  it("with a store, refuses at create() scaling options naming a pool neither configured nor stored; a policy's error never stops the scheduler", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-scaling-store-'));
    try {
      const file = path.join(dir, 'state.db');
      const first = await ResourceScheduler.create({ timers: false, store: new SqliteStore(file), pools: [{ name: 'stored', capacity: { cpu: 4 }, nodes: { min: 0, max: 3, initial: 1 } }] });
      await first.shutdown();
      const rule = { rules: [{ pool: 'nosuch', nodes: 2, at: '08:00' }] };
      const store = new SqliteStore(file);
      const e = await ResourceScheduler.create({ timers: false, store, pools, scaling: { policy: 'scheduled', options: rule } }).catch((x: unknown) => x);
      await store.close();
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).location.field).toBe('scaling.options.rules[0].pool');
      expect((e as Error).message).toBe("field 'scaling.options.rules[0].pool': unknown pool 'nosuch' (pools: stored, a)");
      // A pool only the store holds may be named; so may a configured one.
      const ok = await ResourceScheduler.create({ timers: false, store: new SqliteStore(file), pools, scaling: { policy: 'reactive', options: { pools: ['stored', 'a'] } } });
      await ok.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A ScheduledPolicy object's rules are checked as well.
    refused(options({ scaling: new ScheduledPolicy({ rules: [{ pool: 'nosuch', nodes: 1, at: '08:00' }] }) }), 'scaling.rules[0].pool', /^field 'scaling.rules\[0\].pool': unknown pool 'nosuch' \(pools: a\)$/);
    // A policy object that throws when it decides (here static's wrapper of a schedule) fails that
    // scale() call only: it changed nothing, so the scheduler keeps serving.
    const s = new ResourceScheduler({ timers: false, pools, scaling: createScalingPolicy('static', { nodes: { nosuch: 3 } }, { seed: '1' }) });
    expect(() => s.scale()).toThrow("field 'rules[0].pool': unknown pool 'nosuch' (pools: a)");
    expect(s.healthy).toBe(true);
    expect(s.allocate({ id: 'r', demand: { cpu: 1 } }).status).toBe('allocated');
    s.close();
  });
});
