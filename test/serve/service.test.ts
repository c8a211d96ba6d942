import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { ADMIN, TEAM_A, TEAM_B, TOKENS, call, listAll } from '../scheduler/helpers.js';
import { openStream, until } from './sse-client.js';

/** Limits, tenant isolation, pagination, the audit log and the event stream of `drs serve` (in-process, memory store). */
let srv: ServerHandle;
let base: string;

beforeAll(async () => {
  srv = await startServer(
    {
      port: 0,
      tokens: TOKENS,
      queue: { policy: 'fcfs', timeoutMs: 60_000 },
      limits: { pools: 4, nodesPerPool: 1000, outstandingPerTenant: 40, requestsPerSecond: 0, pageSize: 1000 },
      pools: [
        { name: 'a', capacity: { cpu: 64, memory: 256 }, nodes: 2 },
        { name: 'b', capacity: { cpu: 64, memory: 256 }, nodes: 2 },
      ],
    },
    { schedulerOptions: { timers: false } },
  );
  base = srv.url;
});
afterAll(async () => {
  await srv.close();
});

describe('limits', () => {
  // Refused before any node is built (building 1e9 would run out of memory or time here).
  it('answers an absurd pool size with a clear 4xx naming the field, and creates nothing', async () => {
    const r = await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'huge', capacity: { cpu: 8 }, nodes: 1e9 } });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'limit', field: 'nodes' });
    expect(r.body.error.message).toContain('1000000000 nodes exceed the limit of 1000');
    const scaled = await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'huge', capacity: { cpu: 8 }, nodes: { initial: 1, max: 100_000 } } });
    expect(scaled.body.error).toMatchObject({ code: 'limit', field: 'nodes.max' });
    expect((await call(base, 'GET', '/v1/pools/huge', { token: ADMIN })).status).toBe(404);
  });

  it('bounds the number of pools', async () => {
    expect((await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'c', capacity: { cpu: 8 }, nodes: 1 } })).status).toBe(201);
    expect((await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'd', capacity: { cpu: 8 }, nodes: 1 } })).status).toBe(201);
    const fifth = await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'e', capacity: { cpu: 8 }, nodes: 1 } });
    expect(fifth.status).toBe(422);
    expect(fifth.body.error.message).toContain('limits.pools');
  });

  it('bounds outstanding work per tenant (429 tenant-limit), counting queued requests', async () => {
    const s = new ResourceScheduler({ timers: false, queue: 'fcfs', pools: [{ name: 'p', capacity: { cpu: 2 }, nodes: 1 }] });
    const srv2 = await startServer({ port: 0, tokens: TOKENS, limits: { outstandingPerTenant: 3 } }, { scheduler: s });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await call(srv2.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } })).status);
      expect(codes).toEqual([201, 201, 202, 429]);
      const r = await call(srv2.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } });
      expect(r.body.error.code).toBe('tenant-limit');
      // Another tenant is not affected.
      expect((await call(srv2.url, 'POST', '/v1/allocations', { token: TEAM_B, body: { units: 1 } })).status).toBe(202);
    } finally {
      await srv2.close();
    }
  });

  it('rate-limits each token (429 with Retry-After), not the others', async () => {
    const srv3 = await startServer({ port: 0, tokens: TOKENS, limits: { requestsPerSecond: 2, burst: 5 } }, { schedulerOptions: { timers: false } });
    try {
      const codes: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const r = await call(srv3.url, 'GET', '/v1/pools', { token: TEAM_A });
        codes.push(r.status);
        if (r.status === 429) {
          retryAfter = r.headers.get('retry-after');
          expect(r.body.error.code).toBe('rate-limited');
        }
      }
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(codes[6]).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect((await call(srv3.url, 'GET', '/v1/pools', { token: TEAM_B })).status).toBe(200);
    } finally {
      await srv3.close();
    }
  });
});

describe('tenant isolation', () => {
  it('lets two tenants use the same id without learning anything about each other', async () => {
    const a = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'same', pool: 'a', units: 2 } });
    const b = await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { id: 'same', pool: 'b', units: 3 } });
    expect([a.status, b.status]).toEqual([201, 201]); // no 409 that would reveal team-a's id
    expect(b.body.allocation).toMatchObject({ id: 'same', tenant: 'team-b', pool: 'b' });
    expect((await call(base, 'GET', '/v1/allocations/same', { token: TEAM_A })).body.allocation).toMatchObject({ pool: 'a', demand: { cpu: 2 } });
    expect((await call(base, 'GET', '/v1/allocations/same', { token: TEAM_B })).body.allocation).toMatchObject({ pool: 'b', demand: { cpu: 3 } });
    // A duplicate within one tenant is still refused.
    expect((await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'same', units: 1 } })).body.rejection.code).toBe('duplicate');
    // A tenant cannot reach the other's through a crafted id, nor list it.
    expect((await call(base, 'GET', '/v1/allocations/team-a~same', { token: TEAM_B })).status).toBe(404);
    expect((await call(base, 'GET', '/v1/allocations?tenant=team-a', { token: TEAM_B })).status).toBe(403);
    const admin = (await listAll(base, '/v1/allocations', ADMIN)).map((x: { id: string }) => x.id);
    expect(admin).toEqual(expect.arrayContaining(['team-a~same', 'team-b~same']));
    await call(base, 'DELETE', '/v1/allocations/same', { token: TEAM_A });
    await call(base, 'DELETE', '/v1/allocations/same', { token: TEAM_B });
  });
});

describe('pagination and filters', () => {
  it('pages through every allocation exactly once, with tenant, pool and state filters', async () => {
    for (let i = 0; i < 23; i++) expect((await call(base, 'POST', '/v1/allocations', { token: i % 2 === 0 ? TEAM_A : TEAM_B, body: { id: `pg-${String(i).padStart(2, '0')}`, pool: i % 3 === 0 ? 'a' : 'b', units: 1 } })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await call(base, 'GET', `/v1/allocations?limit=5${cursor !== null ? `&cursor=${cursor}` : ''}`, { token: ADMIN });
      expect(r.status).toBe(200);
      expect(r.body.allocations.length).toBeLessThanOrEqual(5);
      seen.push(...r.body.allocations.map((x: { id: string }) => x.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(23);
    expect([...seen].sort()).toEqual(seen);
    const aInPoolA = await listAll(base, '/v1/allocations?pool=a', TEAM_A);
    expect(aInPoolA.map((x: { id: string }) => x.id)).toEqual(['pg-00', 'pg-06', 'pg-12', 'pg-18']);
    expect((await listAll(base, '/v1/allocations?tenant=team-b&state=allocated', ADMIN)).length).toBe(11);
    expect((await listAll(base, '/v1/allocations?state=queued', ADMIN)).length).toBe(0);
    expect((await call(base, 'GET', '/v1/allocations?cursor=bogus', { token: ADMIN })).body.error.field).toBe('cursor');
    expect((await call(base, 'GET', '/v1/allocations?limit=1001', { token: ADMIN })).body.error.field).toBe('limit');
    expect((await call(base, 'GET', '/v1/allocations?state=sleeping', { token: ADMIN })).body.error.field).toBe('state');
    const pools = await call(base, 'GET', '/v1/pools?limit=2', { token: TEAM_A });
    expect(pools.body.pools.map((p: { name: string }) => p.name)).toEqual(['a', 'b']);
    expect(pools.body.nextCursor).not.toBeNull();
    for (let i = 0; i < 23; i++) await call(base, 'DELETE', `/v1/allocations/pg-${String(i).padStart(2, '0')}`, { token: i % 2 === 0 ? TEAM_A : TEAM_B });
  });
});

describe('audit log and event stream', () => {
  it('records every write (who, what, result) for admins only', async () => {
    await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { id: 'audited', units: 1 } });
    await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { id: 'audited', units: 1 } });
    await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { units: 'x' } });
    await call(base, 'DELETE', '/v1/allocations/audited', { token: TEAM_B });
    expect((await call(base, 'GET', '/v1/audit', { token: TEAM_B })).status).toBe(403);
    const all = await listAll(base, '/v1/audit', ADMIN, 'audit');
    const mine = all.filter((r: { actor: string }) => r.actor.startsWith('tenant:team-b#')).slice(-4);
    expect(mine.map((r: { method: string; target: string | null; status: number; result: string }) => [r.method, r.target, r.status, r.result])).toEqual([
      ['POST', 'team-b~audited', 201, 'allocated'],
      ['POST', 'team-b~audited', 409, 'duplicate'],
      ['POST', null, 400, 'invalid-body'],
      ['DELETE', 'team-b~audited', 200, 'released'],
    ]);
    // Reads are not audited; the 1e9-node pool was.
    expect(all.some((r: { method: string }) => r.method === 'GET')).toBe(false);
    expect(all.find((r: { target: string | null }) => r.target === 'huge')).toMatchObject({ status: 422, result: 'limit', actor: expect.stringMatching(/^admin#/) });
  });

  it('streams events as SSE, filtered by tenant, resumable from Last-Event-ID, exactly once; the same events reach scheduler.on', async () => {
    const lib: string[] = [];
    const off = srv.scheduler.on('released', (e) => lib.push(e.allocation.id));
    const admin = openStream(base, ADMIN);
    const a = openStream(base, TEAM_A);
    expect(await a.status).toBe(200);
    expect(await admin.status).toBe(200);
    await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'ev-1', units: 1 } });
    await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { id: 'ev-b', units: 1 } });
    await call(base, 'DELETE', '/v1/allocations/ev-1', { token: TEAM_A });
    await until(() => admin.events.length >= 3, 5000, 'three events on the admin stream');
    await until(() => a.events.length >= 2, 5000, "team-a's two events");
    a.close();
    expect(a.events.map((e) => [e.type, e.data.allocation?.id])).toEqual([
      ['allocated', 'ev-1'],
      ['released', 'ev-1'],
    ]);
    expect(admin.events.map((e) => [e.type, e.data.allocation?.id])).toEqual([
      ['allocated', 'team-a~ev-1'],
      ['allocated', 'team-b~ev-b'],
      ['released', 'team-a~ev-1'],
    ]);
    // Resume after the first event: the rest once each, then live ones (the pool change is cluster-wide, so team-a sees it).
    const resumed = openStream(base, TEAM_A, a.events[0]?.id);
    expect(await resumed.status).toBe(200);
    await call(base, 'DELETE', '/v1/allocations/ev-b', { token: TEAM_B }); // team-b's: not on team-a's stream
    await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'ev-2', units: 1 } });
    await until(() => resumed.events.length >= 2, 5000, 'the resumed stream');
    await until(() => admin.events.length >= 5, 5000, 'the admin stream');
    resumed.close();
    admin.close();
    off();
    expect(resumed.events.map((e) => [e.type, e.data.allocation?.id])).toEqual([
      ['released', 'ev-1'],
      ['allocated', 'ev-2'],
    ]);
    // Ids are consecutive over all tenants; the library's observers saw the same releases.
    expect(admin.events.map((e) => e.id)).toEqual(Array.from({ length: 5 }, (_, i) => (admin.events[0]?.id ?? 0) + i));
    expect(lib).toEqual(['team-a~ev-1', 'team-b~ev-b']);
    await call(base, 'DELETE', '/v1/allocations/ev-2', { token: TEAM_A });
    expect((await call(base, 'GET', '/v1/events?after=x', { token: TEAM_A })).status).toBe(400);
  });

  it('carries other components’ events (recordEvent) on the same stream, per tenant', async () => {
    const a = openStream(base, TEAM_A);
    const b = openStream(base, TEAM_B);
    expect([await a.status, await b.status]).toEqual([200, 200]);
    const rec = srv.scheduler.recordEvent('agent-state', 'team-a', { agent: 'crawler', state: 'running' });
    srv.scheduler.recordEvent('agent-state', null, { fleet: 'all', state: 'scaled' });
    expect(() => srv.scheduler.recordEvent('allocated', null, {})).toThrow(/scheduler's own/);
    await until(() => a.events.length >= 2 && b.events.length >= 1, 5000, 'the recorded events');
    a.close();
    b.close();
    expect(a.events.map((e) => [e.id, e.type, e.data.state])).toEqual([
      [rec.id, 'agent-state', 'running'],
      [rec.id + 1, 'agent-state', 'scaled'],
    ]);
    expect(b.events.map((e) => e.data.state)).toEqual(['scaled']);
    // The request schema takes GPU model constraints (passed through to the scheduler).
    expect((await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1, gpuModels: ['H100'] } })).status).not.toBe(400);
  });
});
