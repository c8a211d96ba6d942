/**
 * `expireAllocations(asOf)` releases the allocations whose lease ended by `asOf` (docs/serve.md):
 * a lease that runs out after now has not ended, so the production API refuses a future `asOf`
 * (it used to release such leases early, stamped now, as `expired`). The compat package's
 * contract is the package's (docs/compat.md: every allocation whose `expiresAt <= asOf`, any
 * `asOf`), so it keeps releasing them (test/compat/rules.test.ts, quickstart.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

function make(clock: { now: number }): ResourceScheduler {
  return new ResourceScheduler({ timers: false, clock: () => clock.now, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
}

describe('expireAllocations(asOf) in the production API', () => {
  it('refuses an asOf later than now, naming the field, and releases nothing', () => {
    const clock = { now: 10_000 };
    const s = make(clock);
    expect(s.allocate({ id: 'a', tenant: 't', demand: { cpu: 2 } }, 1000).status).toBe('allocated');
    let err: unknown;
    try {
      s.expireAllocations(clock.now + 1000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).location.field).toBe('asOf');
    expect((err as Error).message).toMatch(/asOf 11000 is later than now \(10000\)/);
    expect(s.listAllocations().map((x) => x.id)).toEqual(['a']);
    expect(s.getAllocation('a')?.leaseExpiryMs).toBe(11_000);
    void s.shutdown();
  });

  it('now or earlier: the leases that ended by then end', () => {
    const clock = { now: 10_000 };
    const s = make(clock);
    s.allocate({ id: 'a', tenant: 't', demand: { cpu: 2 } }, 1000);
    s.allocate({ id: 'b', tenant: 't', demand: { cpu: 2 } }, 2000);
    expect(s.expireAllocations(clock.now)).toEqual([]);
    clock.now = 11_000;
    // a's lease ends exactly now: the operation's catch-up leaves it to tick() or to this call.
    expect(s.expireAllocations(clock.now - 1)).toEqual([]);
    expect(s.expireAllocations(clock.now).map((x) => x.id)).toEqual(['a']);
    expect(s.expireAllocations().map((x) => x.id)).toEqual([]);
    clock.now = 12_000;
    expect(s.expireAllocations().map((x) => x.id)).toEqual(['b']);
    void s.shutdown();
  });
});
