import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler, type CompatOptions } from '../../src/compat/index.js';

/** The UserError `f` throws (fails the test if it throws anything else or nothing). */
function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('compat ResourceScheduler options: a bad or unknown option is a UserError naming it', () => {
  it('an unknown or unsupported key is refused, not dropped (strategey, preemption)', () => {
    const e = userError(() => new ResourceScheduler({ strategey: 'first-fit' } as unknown as CompatOptions));
    expect(e.location.field).toBe('strategey');
    expect(e.detail).toMatch(/^unknown key 'strategey' \(did you mean 'strategy'\?\)$/);
    expect(userError(() => new ResourceScheduler({ preemption: true } as unknown as CompatOptions)).location.field).toBe('preemption');
  });

  it('defaultDurationMs must be a positive finite number, checked at construction under its own name', () => {
    for (const bad of ['1000', Infinity, 0, -5, Number.NaN]) {
      const e = userError(() => new ResourceScheduler({ defaultDurationMs: bad as number }));
      expect(e.location.field).toBe('defaultDurationMs');
    }
    expect(userError(() => new ResourceScheduler({ defaultDurationMs: '1000' as unknown as number })).detail).toBe("defaultDurationMs must be a positive number of milliseconds, got '1000' (a string)");
    expect(new ResourceScheduler({ defaultDurationMs: 1 })).toBeInstanceOf(ResourceScheduler);
  });

  it('clock and newId must be functions; the options must be an object', () => {
    expect(userError(() => new ResourceScheduler({ clock: 5 as unknown as () => number })).location.field).toBe('clock');
    expect(userError(() => new ResourceScheduler({ newId: 'x' as unknown as () => string })).location.field).toBe('newId');
    expect(userError(() => new ResourceScheduler(null as unknown as CompatOptions)).location.field).toBe('options');
  });
});

describe('compat request and pool shapes: a key they do not have is refused, not dropped', () => {
  const T0 = Date.parse('2026-01-01T00:00:00Z');
  const setup = () => {
    const s = new ResourceScheduler({ clock: () => T0 });
    const pool = s.addPool({ name: 'gpu', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
    const req = { id: 'r', requestingAgent: 'a', poolId: pool.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 100, maxCostUsdc: 0.1, requestedAt: '2026-01-01T00:00:00Z' } as const;
    return { s, pool, req };
  };

  it('durationMs inside the request (the main API takes it there) is refused: it used to be ignored and the lease was 1 h', () => {
    const { s, pool, req } = setup();
    const e = userError(() => s.allocate({ ...req, durationMs: 5000 } as unknown as typeof req));
    expect(e.location.field).toBe('request.durationMs');
    expect(e.detail).toBe("unknown key 'durationMs'");
    expect(s.getPool(pool.id)?.availableCapacity).toBe(10); // nothing allocated
    expect(userError(() => s.preempt('x', { ...req, priority: 'critical', durationMs: 5000 } as unknown as typeof req)).location.field).toBe('request.durationMs');
    expect(s.allocate(req, 5000)?.expiresAt).toBe('2026-01-01T00:00:05.000Z'); // the second argument is the lease
  });

  it('a pool key the package does not have (nodes) is refused', () => {
    const { s } = setup();
    const e = userError(() => s.addPool({ name: 'x', resourceType: 't', totalCapacity: 4, availableCapacity: 4, costPerUnit: 0, latencyMs: 0, nodes: 4 } as unknown as Parameters<typeof s.addPool>[0]));
    expect(e.location.field).toBe('pool.nodes');
    expect(s.listPools()).toHaveLength(1);
  });

  it('requestedAt must be a time (ISO 8601), as documented', () => {
    const { s, req } = setup();
    const e = userError(() => s.allocate({ ...req, requestedAt: 'yesterday' }));
    expect(e.location.field).toBe('request.requestedAt');
    expect(e.detail).toMatch(/ISO 8601/);
    expect(s.allocate({ ...req, requestedAt: '2025-12-31T23:59:00.000Z' })?.status).toBe('active');
  });

  it('requestedAt: only ISO 8601, not what a lenient Date.parse takes ("1" was the year 2001)', () => {
    const { s, req } = setup();
    for (const bad of ['1', '2026', 'March 7, 2026', 'Tue, 01 Dec 2026 00:00:00 GMT', '2026-02-30T00:00:00Z']) {
      const e = userError(() => s.allocate({ ...req, id: `r-${bad}`, requestedAt: bad }));
      expect(e.location.field).toBe('request.requestedAt');
      expect(e.detail).toMatch(/expected an ISO 8601 time/);
    }
    expect(s.allocate({ ...req, id: 'date-only', requestedAt: '2026-01-01' })?.status).toBe('active');
    expect(s.allocate({ ...req, id: 'offset', requestedAt: '2026-01-01T10:00:00+02:00' })?.status).toBe('active');
  });
});

describe('compat leases', () => {
  it('a lease ending past the last representable time is a UserError, and takes nothing (it threw a RangeError after allocating)', () => {
    const T0 = Date.parse('2026-01-01T00:00:00Z');
    const s = new ResourceScheduler({ clock: () => T0 });
    const pool = s.addPool({ name: 'gpu', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
    const req = { id: 'r', requestingAgent: 'a', poolId: pool.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 100, maxCostUsdc: 0.1, requestedAt: '2026-01-01T00:00:00Z' } as const;
    const e = userError(() => s.allocate(req, 1e20));
    expect(e.location.field).toBe('durationMs');
    expect(e.detail).toMatch(/\+275760-09-13T00:00:00.000Z/);
    expect(s.getPool(pool.id)?.availableCapacity).toBe(10);
    expect(userError(() => s.preempt('x', { ...req, priority: 'critical' }, 1e20)).location.field).toBe('durationMs');
    // The longest lease that still has an ISO end.
    expect(s.allocate(req, 8.64e15 - T0)?.expiresAt).toBe('+275760-09-13T00:00:00.000Z');
    // A too long default is named as such.
    const s2 = new ResourceScheduler({ clock: () => T0, defaultDurationMs: 1e20 });
    const p2 = s2.addPool({ name: 'gpu', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
    expect(userError(() => s2.allocate({ ...req, poolId: p2.id })).location.field).toBe('defaultDurationMs');
  });
});

describe('compat expireAllocations(asOf) as an ISO string names one instant on every host', () => {
  const hostTz = process.env.TZ;
  afterEach(() => {
    if (hostTz === undefined) delete process.env.TZ;
    else process.env.TZ = hostTz;
  });
  const T0 = Date.parse('2026-06-01T00:00:00Z');
  // One allocation with a 1 h lease from T0: expired as of 02:00 UTC, not as of 00:30 UTC.
  const expiredAsOf = (asOf: string): number => {
    const s = new ResourceScheduler({ clock: () => T0 });
    const pool = s.addPool({ name: 'gpu', resourceType: 'g', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
    s.allocate({ id: 'r', requestingAgent: 'a', poolId: pool.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 100, maxCostUsdc: 0.1, requestedAt: '2026-06-01T00:00:00Z' }, 3_600_000);
    return s.expireAllocations(asOf);
  };

  it('with its offset: the same answer under UTC, Kolkata (+05:30) and New York (−04:00)', () => {
    for (const tz of ['UTC', 'Asia/Kolkata', 'America/New_York']) {
      process.env.TZ = tz;
      // 06:00+05:30 is 00:30Z (not yet), 22:00−04:00 on 31 May is 02:00Z (expired): a flipped offset sign gets both wrong.
      expect([expiredAsOf('2026-06-01T02:00:00Z'), expiredAsOf('2026-06-01T00:30:00Z'), expiredAsOf('2026-06-01T06:00:00+05:30'), expiredAsOf('2026-05-31T22:00:00-04:00')], tz).toEqual([1, 0, 0, 1]);
    }
  });

  it('without one it is refused (Date.parse read it in the host zone: 1 expired in UTC, 0 in Kolkata)', () => {
    process.env.TZ = 'Asia/Kolkata';
    const e = userError(() => expiredAsOf('2026-06-01T02:00:00'));
    expect(e.location.field).toBe('asOf');
    expect(e.detail).toMatch(/^asOf "2026-06-01T02:00:00": expected an ISO 8601 time with its UTC offset, such as 2026-06-01T08:00:00Z/);
    expect(userError(() => expiredAsOf('June 1, 2026 02:00 UTC')).location.field).toBe('asOf');
    expect(userError(() => expiredAsOf('2026-06-31T02:00:00Z')).detail).toMatch(/not a real date and time: days in 2026-06 run from 01 to 30/);
  });
});
