import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
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
    refused(options({ preemtion: true }), 'preemtion', /unknown field 'preemtion' \(known: dimensions, strategy, preemption,/);
    refused(options({ queue: { timeout: 5 } }), 'queue.timeout', /unknown field 'timeout' \(known: policy, options, timeoutMs, maxLength, requeuePreempted\)/);
    refused(options({ queue: { timeoutMs: -5 } }), 'queue.timeoutMs', /queue\.timeoutMs must be a number ≥ 0, got -5/);
    refused(options({ queue: { maxLength: -1 } }), 'queue.maxLength', /queue\.maxLength must be a whole number ≥ 0, got -1/);
    refused(options({ durability: 'fast' }), 'durability', /durability must be 'per-operation' or 'group', got 'fast' \(a string\)/);
    refused(options({ defaultLeaseMs: -1000 }), 'defaultLeaseMs', /defaultLeaseMs must be a number > 0, got -1000/);
    refused(options({ dimensions: 'cpu' }), 'dimensions', /dimensions must be a non-empty list of names, got 'cpu' \(a string\)/);
    refused(options({ preemption: 'yes' }), 'preemption', /preemption must be true or false/);
    refused(options({ pools: [...pools, { name: 'a', capacity: { cpu: 100 }, nodes: 1 }] }), 'pools[1].name', /pool 'a' is listed twice \(also pools\[0\]\)/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: { min: 1, max: 4 } }] }), 'nodes.initial', /missing: how many nodes the pool starts with/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: 'two' }] }), 'nodes', /nodes must be a count or \{ min, max, initial \}, got 'two' \(a string\)/);
    refused(options({ pools: [{ name: 'b', capacity: { cpu: 4 }, nodes: 1, colour: 'red' }] }), 'colour', /unknown field 'colour'/);
    refused(options({ quotas: { tenants: { a: { max: { cpu: 2 } } } } }), 'quotas.tenants.a.max.cpu', /a share must be between 0 and 1, got 2/);
    // A queue given by name or as a policy object, and the documented keys, are accepted.
    for (const queue of ['fcfs', { policy: 'fcfs', timeoutMs: 0, maxLength: 0, requeuePreempted: true }]) options({ queue, durability: 'group', defaultLeaseMs: 1, recentLimit: 0 })().close();
  });
});

describe('ResourceScheduler requests', () => {
  it('refuses unknown fields and values of the wrong kind, naming the field', () => {
    const s = new ResourceScheduler({ timers: false, pools });
    refused(() => s.allocate({ pool: 'a', units: 1, priorty: 'critical' } as never), 'priorty', /unknown field 'priorty' \(known: id, pool, pools, units,/);
    refused(() => s.allocate({ pool: 'a', units: 1, durationMS: 1000 } as never), 'durationMS', /unknown field 'durationMS'/);
    refused(() => s.allocate({ pool: 'a', units: 1, preemptible: 'yes' } as never), 'preemptible', /preemptible must be true or false, got 'yes' \(a string\)/);
    refused(() => s.allocate({ pool: 'a', units: '2' } as never), 'units', /units must be a finite number ≥ 0, got '2' \(a string\)/);
    refused(() => s.addPool({ name: 'c', capacity: { cpu: 1 }, nodes: 1, colour: 'red' } as never), 'colour', /unknown field 'colour'/);
    refused(() => s.addPool({ name: 'c', capacity: { cpu: 1 }, nodes: 1, primary: 'gpu' }), 'primary', /primary 'gpu': the pool's nodes have no gpu, so every 'units' request would never fit/);
    refused(() => s.expireAllocations('abc' as never), 'asOf', /asOf must be a time in milliseconds, got abc/);
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
});
