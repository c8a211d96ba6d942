import { describe, expect, it, vi } from 'vitest';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { startServer } from '../../src/scheduler/http.js';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { TEAM_A, TOKENS, call } from '../scheduler/helpers.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * A standby names the leader from its very first answer: once `startServer` has returned (and
 * `drs serve` printed that it listens), a client retrying there is told where the leader is, not
 * `leader: null` until the standby's first poll of the database happens to finish. Rather than
 * slowing that poll down and hoping the request lands inside the window, the poll's answer notes
 * whether `startServer` had already returned: it must not have (the window exists at all).
 */
let db: FreshDatabase | undefined;
usePgDatabase('standby', 'the PostgreSQL standby test', (d) => (db = d));

describe('a PostgreSQL standby', () => {
  it('answers its first request with 503 not-leader and the leader address', async () => {
    if (db === undefined) return;
    const config: ServeConfig = { tokens: TOKENS, postgres: { url: db.url, pollIntervalMs: 200 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] };
    const a = await startServer({ ...config, port: 0 });
    try {
      await a.whenLeader;
      const read = PgLeadership.prototype.leaderAddress;
      let returned = false;
      // At the first answer of b's poll: had startServer returned already? (Its return is seen
      // at once, by a microtask; the poll's answer needs at least two round trips to the database.)
      let returnedBeforeFirstAnswer: boolean | undefined;
      const spy = vi.spyOn(PgLeadership.prototype, 'leaderAddress').mockImplementation(async function (this: PgLeadership) {
        const leader = await read.call(this);
        returnedBeforeFirstAnswer ??= returned;
        return leader;
      });
      const b = await startServer({ ...config, port: 0 }).finally(() => (returned = true));
      try {
        expect(returnedBeforeFirstAnswer).toBe(false);
        const r = await call(b.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } });
        expect(r.status).toBe(503);
        expect(r.body.error).toMatchObject({ code: 'not-leader', leader: a.url });
        expect(r.headers.get('x-drs-leader')).toBe(a.url);
        expect(r.headers.get('retry-after')).toBe('1');
      } finally {
        spy.mockRestore();
        await b.close();
      }
    } finally {
      await a.close();
    }
  }, 60_000);
});
