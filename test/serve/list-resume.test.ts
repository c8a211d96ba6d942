import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/scheduler/http.js';
import { ADMIN, TEAM_A, TOKENS, call } from '../scheduler/helpers.js';

/**
 * `resumeCursor` on `GET /v1/audit` and `GET /v1/preemptions`: on every page, empty ones
 * included, the cursor that returns only records newer than that page. `nextCursor` stays null on
 * the last page (a `while (nextCursor)` client must stop), so before this field a client following
 * a growing log had to build a cursor itself to resume from its end.
 */

interface Followed {
  readonly seen: string[];
  readonly resume: string;
}

/** Pages after `resume` (`limit` at a time) until a page comes back empty, using `resumeCursor` only. */
async function drain(base: string, route: string, key: string, name: (r: any) => string, resume: string | undefined, token = ADMIN): Promise<Followed> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const seen: string[] = [];
  let cursor = resume;
  for (let page = 0; page < 100; page++) {
    const r = await call(base, 'GET', `${route}?limit=2${cursor !== undefined ? `&cursor=${cursor}` : ''}`, { token });
    expect(r.status).toBe(200);
    expect(typeof r.body.resumeCursor).toBe('string');
    const items = r.body[key] as unknown[];
    // On a page with more to come, it is the same cursor as nextCursor.
    if (r.body.nextCursor !== null) expect(r.body.resumeCursor).toBe(r.body.nextCursor);
    cursor = r.body.resumeCursor as string;
    if (items.length === 0) return { seen, resume: cursor };
    seen.push(...items.map(name));
  }
  throw new Error('more than 100 pages');
}

describe('following a growing log with resumeCursor', () => {
  it('GET /v1/audit: three appends, each record once, none skipped', async () => {
    const srv = await startServer({ port: 0, tokens: TOKENS, pools: [{ name: 'p', capacity: { cpu: 64 }, nodes: 4 }] }, { schedulerOptions: { timers: false } });
    try {
      const name = (r: { method: string; target: string }): string => `${r.method} ${r.target}`;
      let f = await drain(srv.url, '/v1/audit', 'audit', name, undefined);
      expect(f.seen).toEqual([]);
      const all: string[] = [];
      for (const [round, n] of [[1, 3], [2, 1], [3, 4]] as const) {
        const want: string[] = [];
        for (let i = 0; i < n; i++) {
          expect((await call(srv.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: `r${round}-${i}`, units: 1 } })).status).toBe(201);
          want.push(`POST team-a~r${round}-${i}`);
        }
        f = await drain(srv.url, '/v1/audit', 'audit', name, f.resume);
        expect(f.seen).toEqual(want);
        all.push(...f.seen);
      }
      expect(all).toHaveLength(8);
      // Nothing new: an empty page that keeps the place.
      const again = await call(srv.url, 'GET', `/v1/audit?cursor=${f.resume}`, { token: ADMIN });
      expect(again.body).toEqual({ audit: [], nextCursor: null, resumeCursor: f.resume });
    } finally {
      await srv.close();
    }
  });

  it('GET /v1/preemptions: three appends, each record once, none skipped (admin and a filtered tenant view)', async () => {
    const srv = await startServer(
      { port: 0, tokens: TOKENS, preemption: true, pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] },
      { schedulerOptions: { timers: false } },
    );
    try {
      const preempt = (ids: string[]): void => {
        for (const id of ids) {
          srv.scheduler.allocate({ id: `team-a~${id}`, tenant: 'team-a', units: 4, priority: 'low', preemptible: true });
          srv.scheduler.allocate({ id: `crit-${id}`, tenant: 'team-b', units: 4, priority: 'critical' });
          srv.scheduler.release(`crit-${id}`);
        }
      };
      // Admins see scoped ids (`team-a~a`), the tenant its own bare ones.
      const name = (r: { allocationId: string }): string => r.allocationId.replace(/^team-a~/, '');
      let admin = await drain(srv.url, '/v1/preemptions', 'preemptions', name, undefined);
      let tenant = await drain(srv.url, '/v1/preemptions', 'preemptions', name, undefined, TEAM_A);
      expect(admin.seen).toEqual([]);
      for (const ids of [['a', 'b', 'c'], ['d'], ['e', 'f', 'g', 'h', 'i']]) {
        preempt(ids);
        admin = await drain(srv.url, '/v1/preemptions', 'preemptions', name, admin.resume);
        expect(admin.seen).toEqual(ids);
        tenant = await drain(srv.url, '/v1/preemptions', 'preemptions', name, tenant.resume, TEAM_A);
        expect(tenant.seen).toEqual(ids);
      }
    } finally {
      await srv.close();
    }
  });
});
