import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import { ADMIN, TEAM_A, TEAM_B, TOKENS, call } from './helpers.js';

let srv: ServerHandle;
let base: string;

beforeAll(async () => {
  srv = await startServer(
    {
      port: 0,
      tokens: TOKENS,
      bodyLimit: 4096,
      preemption: true,
      queue: { policy: 'priority', timeoutMs: 60_000 },
      pools: [
        { name: 'gpu', capacity: { cpu: 32, memory: 256, gpu: 8 }, nodes: 2, primary: 'gpu', pricePerHour: 30, latencyMs: 20 },
        { name: 'cpu', capacity: { cpu: 64, memory: 256 }, nodes: 2, pricePerHour: 3, latencyMs: 5 },
      ],
    },
    { schedulerOptions: { timers: false } },
  );
  base = srv.url;
});

afterAll(async () => {
  await srv.close();
});

describe('drs serve: happy paths', () => {
  it('reports health without a token', async () => {
    const r = await call(base, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', store: 'memory' });
  });

  it('lists pools, and an admin adds one', async () => {
    const list = await call(base, 'GET', '/v1/pools', { token: TEAM_A });
    expect(list.status).toBe(200);
    expect(list.body.pools.map((p: { name: string }) => p.name)).toEqual(['gpu', 'cpu']);
    // A dimension the pool has none of has no utilization: null, not 0 % (as the simulator's series).
    expect(list.body.pools[0].utilization).toEqual({ cpu: 0, memory: 0, gpu: 0 });
    expect(list.body.pools[1].utilization).toEqual({ cpu: 0, memory: 0, gpu: null });
    const add = await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'edge', capacity: { cpu: 8, memory: '16Gi' }, nodes: 1, latencyMs: 2 } });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ name: 'edge', nodeCapacity: { cpu: 8, memory: 16 }, nodes: { up: 1 } });
    expect((await call(base, 'GET', '/v1/pools/edge', { token: TEAM_B })).status).toBe(200);
    expect((await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'edge', capacity: { cpu: 1 }, nodes: 1 } })).status).toBe(409);
  });

  it('allocates, shows, renews and releases', async () => {
    const a = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'job-1', pool: 'gpu', units: 2, durationMs: 60_000 } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'allocated', allocation: { id: 'job-1', tenant: 'team-a', pool: 'gpu', demand: { gpu: 2 } } });
    const g = await call(base, 'GET', '/v1/allocations/job-1', { token: TEAM_A });
    expect(g.status).toBe(200);
    expect(g.body.allocation.leaseExpiryMs).toBeGreaterThan(Date.now());
    const rn = await call(base, 'POST', '/v1/allocations/job-1/renew', { token: TEAM_A, body: { durationMs: 3_600_000 } });
    expect(rn.status).toBe(200);
    expect(rn.body.allocation.leaseExpiryMs).toBeGreaterThan(Date.now() + 3_000_000);
    const mine = await call(base, 'GET', '/v1/allocations', { token: TEAM_A });
    expect(mine.body.allocations.map((x: { id: string }) => x.id)).toContain('job-1');
    const d = await call(base, 'DELETE', '/v1/allocations/job-1', { token: TEAM_A });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ status: 'released', allocation: { id: 'job-1' } });
    // A polled id that ended answers how it ended (never a 404 while the service remembers it).
    const ended = await call(base, 'GET', '/v1/allocations/job-1', { token: TEAM_A });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'ended', id: 'job-1', how: 'released' });
    expect((await call(base, 'DELETE', '/v1/allocations/job-1', { token: TEAM_A })).status).toBe(404);
    // Renewing what ended says how it ended (it used to say queued requests cannot be renewed).
    const late = await call(base, 'POST', '/v1/allocations/job-1/renew', { token: TEAM_A, body: { durationMs: 1000 } });
    expect(late.status).toBe(404);
    expect(late.body.error.message).toBe("cannot renew 'job-1': it already ended (released)");
  });

  it('answers refusals with the structured rejection and a fitting status', async () => {
    const never = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { demand: { gpu: 64 } } });
    expect(never.status).toBe(422);
    expect(never.body).toMatchObject({ status: 'rejected', rejection: { code: 'never-fits', resource: 'gpu', requested: 64, capacity: 8 } });
    const dup1 = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'dup', units: 1 } });
    const dup2 = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'dup', units: 1 } });
    expect([dup1.status, dup2.status]).toEqual([201, 409]);
    expect(dup2.body.rejection.code).toBe('duplicate');
  });

  it('queues what must wait (202), shows it queued, and cancels it', async () => {
    await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { id: 'fill-1', pool: 'gpu', units: 8, preemptible: true, priority: 'low' } });
    await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { id: 'fill-2', pool: 'gpu', units: 8, preemptible: true, priority: 'low' } });
    const q = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'waiter', pool: 'gpu', units: 4 } });
    expect(q.status).toBe(202);
    expect(q.body).toMatchObject({ status: 'queued', reason: { code: 'wait', resource: 'gpu' } });
    expect((await call(base, 'GET', '/v1/allocations/waiter', { token: TEAM_A })).status).toBe(202);
    expect((await call(base, 'DELETE', '/v1/allocations/waiter', { token: TEAM_A })).body).toMatchObject({ status: 'cancelled' });
  });

  it('preempts: automatically for high priority, and explicitly by an admin', async () => {
    const hi = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'urgent', pool: 'gpu', units: 8, priority: 'high' } });
    expect(hi.status).toBe(201);
    expect(hi.body.preempted).toHaveLength(1);
    // team-a learns that it preempted team-b's work, but not team-b's id.
    expect(hi.body.preempted[0]).toMatchObject({ tenant: 'team-b', allocationId: null, forRequestId: 'urgent' });
    expect(hi.body.preempted[0].reason).toMatch(/^high request urgent preempts low another tenant's work$/);
    const seenByB = await call(base, 'GET', '/v1/preemptions', { token: TEAM_B });
    expect(JSON.stringify(seenByB.body)).not.toContain('urgent');
    const left = await call(base, 'GET', '/v1/allocations?state=allocated', { token: TEAM_B });
    const other = (left.body.allocations as { id: string }[]).map((a) => a.id).find((id) => id.startsWith('fill-')) as string;
    expect((await call(base, 'POST', '/v1/preemptions', { token: TEAM_A, body: { targetId: other, request: { pool: 'gpu', units: 8, priority: 'critical' } } })).status).toBe(403);
    // An admin names allocations by their scoped id, tenant~id.
    const ex = await call(base, 'POST', '/v1/preemptions', { token: ADMIN, body: { targetId: `team-b~${other}`, request: { id: 'ops', tenant: 'ops', pool: 'gpu', units: 8, priority: 'critical' } } });
    expect(ex.status).toBe(201);
    expect(ex.body).toMatchObject({ status: 'allocated', allocation: { id: 'ops~ops', tenant: 'ops' }, preempted: [{ allocationId: `team-b~${other}`, kind: 'explicit' }] });
    const log = await call(base, 'GET', '/v1/preemptions', { token: TEAM_B });
    expect(log.body.preemptions.map((p: { allocationId: string }) => p.allocationId).sort()).toEqual(['fill-1', 'fill-2']);
    await call(base, 'DELETE', '/v1/allocations/urgent', { token: TEAM_A });
    await call(base, 'DELETE', '/v1/allocations/ops~ops', { token: ADMIN });
  });

  it('exports Prometheus metrics', async () => {
    const m = await call(base, 'GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    const text = m.body as string;
    expect(text).toMatch(/drs_allocations_total\{pool="gpu"\} \d+/);
    expect(text).toMatch(/drs_rejections_total\{code="never-fits"\} 1/);
    expect(text).toMatch(/drs_pool_utilization\{pool="gpu",dimension="gpu"\}/);
    expect(text).toMatch(/drs_pool_utilization\{pool="cpu",dimension="cpu"\} \d/);
    expect(text).not.toMatch(/drs_pool_utilization\{pool="cpu",dimension="gpu"\}/);
    expect(text).toMatch(/drs_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v1\/allocations",status_code="201"\}/);
    expect(text).toMatch(/drs_ended_total\{how="preempted"\} 2/);
  });
});

describe('drs serve: security', () => {
  it('refuses a missing, malformed or unknown token with 401', async () => {
    const none = await call(base, 'GET', '/v1/pools');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error.code).toBe('unauthorized');
    expect((await call(base, 'GET', '/v1/pools', { headers: { authorization: `Basic ${TEAM_A}` } })).status).toBe(401);
    expect((await call(base, 'GET', '/v1/pools', { token: 'not-a-real-token-at-all' })).status).toBe(401);
    expect((await call(base, 'POST', '/v1/allocations', { token: `${TEAM_A}x`, body: { units: 1 } })).status).toBe(401);
  });

  it('hides another tenant’s allocations (404) and forbids admin routes (403)', async () => {
    const a = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'secret', units: 1 } });
    expect(a.status).toBe(201);
    expect((await call(base, 'GET', '/v1/allocations/secret', { token: TEAM_B })).status).toBe(404);
    expect((await call(base, 'DELETE', '/v1/allocations/secret', { token: TEAM_B })).status).toBe(404);
    expect((await call(base, 'POST', '/v1/allocations/secret/renew', { token: TEAM_B, body: { durationMs: 1000 } })).status).toBe(404);
    const bList = await call(base, 'GET', '/v1/allocations', { token: TEAM_B });
    expect(bList.body.allocations.map((x: { id: string }) => x.id)).not.toContain('secret');
    const forged = await call(base, 'POST', '/v1/allocations', { token: TEAM_B, body: { units: 1, tenant: 'team-a' } });
    expect(forged.status).toBe(403);
    expect(forged.body.error.field).toBe('tenant');
    expect((await call(base, 'POST', '/v1/pools', { token: TEAM_B, body: { name: 'x', capacity: { cpu: 1 }, nodes: 1 } })).status).toBe(403);
    // Still there for its owner and the admin.
    expect((await call(base, 'GET', '/v1/allocations/team-a~secret', { token: ADMIN })).status).toBe(200);
    expect((await call(base, 'DELETE', '/v1/allocations/secret', { token: TEAM_A })).status).toBe(200);
  });

  it('answers bad bodies with 4xx naming the field, and keeps serving', async () => {
    const bad = async (body: unknown): Promise<{ status: number; field: unknown; message: string }> => {
      const r = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body });
      return { status: r.status, field: r.body.error?.field, message: r.body.error?.message };
    };
    expect(await bad({ units: 'lots' })).toMatchObject({ status: 400, field: 'units' });
    expect(await bad({ units: -1 })).toMatchObject({ status: 400, field: 'units' });
    expect(await bad({ demand: { gpu: 'x' } })).toMatchObject({ status: 400, field: 'demand.gpu' });
    expect(await bad({ demand: { tpu: 1 } })).toMatchObject({ status: 400, field: 'demand.tpu' });
    expect(await bad({ units: 1, priority: 'urgent' })).toMatchObject({ status: 400, field: 'priority' });
    expect(await bad({ units: 1, colour: 'red' })).toMatchObject({ status: 400, field: 'colour' });
    expect(await bad({ id: 'a/b', units: 1 })).toMatchObject({ status: 400, field: 'id' });
    expect(await bad({})).toMatchObject({ status: 400, field: 'demand' });
    expect(await bad([1, 2])).toMatchObject({ status: 400 });
    expect((await call(base, 'POST', '/v1/allocations/x/renew', { token: TEAM_A, body: { durationMs: 0 } })).body.error.field).toBe('durationMs');
    expect((await call(base, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'p2', capacity: { gpu: 'many' }, nodes: 1 } })).body.error.field).toBe('capacity.gpu');
  });

  it('answers malformed JSON with 400, an oversized body with 413, a wrong content type with 415', async () => {
    const malformed = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, raw: '{"units": 1,' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid-json');
    const empty = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, raw: '' });
    expect(empty.status).toBe(400);
    const proto = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, raw: '{"units": 1, "__proto__": {"admin": true}}' });
    expect(proto.status).toBe(400);
    const big = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, raw: JSON.stringify({ units: 1, labels: { pad: 'x'.repeat(10_000) } }) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload-too-large');
    const text = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, raw: 'units=1', contentType: 'text/plain' });
    expect(text.status).toBe(415);
    const unknown = await call(base, 'GET', '/v2/nothing', { token: TEAM_A });
    expect(unknown.status).toBe(404);
    // Still serving.
    expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    expect((await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } })).status).toBe(201);
  });

  it('reads, renews and releases an allocation whose id has the longest length POST accepts (200), as a tenant and as an admin', async () => {
    const id = 'L'.repeat(200);
    expect((await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id, pool: 'cpu', units: 1, durationMs: 60_000 } })).status).toBe(201);
    expect((await call(base, 'GET', `/v1/allocations/${id}`, { token: TEAM_A })).body).toMatchObject({ status: 'allocated', allocation: { id } });
    expect((await call(base, 'POST', `/v1/allocations/${id}/renew`, { token: TEAM_A, body: { durationMs: 120_000 } })).status).toBe(200);
    expect((await call(base, 'GET', `/v1/allocations/team-a~${id}`, { token: ADMIN })).status).toBe(200);
    expect((await call(base, 'DELETE', `/v1/allocations/${id}`, { token: TEAM_A })).body).toMatchObject({ status: 'released' });
    // What the router itself refuses has the documented error body too.
    const badUrl = await call(base, 'GET', '/v1/allocations/%E0%A4%A', { token: TEAM_A });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body).toEqual({ error: { code: 'bad-url', message: expect.stringContaining('not a valid url component') } });
    const tooLong = await call(base, 'GET', `/v1/allocations/${'x'.repeat(5000)}`, { token: TEAM_A });
    expect(tooLong.status).toBe(414);
    expect(tooLong.body.error).toMatchObject({ code: 'uri-too-long' });
  });

  it('can require an admin token for /metrics', async () => {
    const s2 = await startServer({ port: 0, tokens: TOKENS, metricsPublic: false }, { schedulerOptions: { timers: false } });
    try {
      expect((await call(s2.url, 'GET', '/metrics')).status).toBe(401);
      expect((await call(s2.url, 'GET', '/metrics', { token: TEAM_A })).status).toBe(403);
      expect((await call(s2.url, 'GET', '/metrics', { token: ADMIN })).status).toBe(200);
    } finally {
      await s2.close();
    }
  });

  it('answers 500 and reports unhealthy after a failed commit, without crashing', async () => {
    const store = new MemoryStore();
    const scheduler = new ResourceScheduler({ store, timers: false, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] });
    const seen: unknown[] = [];
    const s3 = await startServer({ port: 0, tokens: TOKENS }, { scheduler, onInternalError: (e) => seen.push(e) });
    try {
      store.commit = () => {
        throw new Error('disk full');
      };
      const r = await call(s3.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } });
      expect(r.status).toBe(500);
      expect(r.body.error.code).toBe('internal');
      expect(seen.map(String)).toEqual(['Error: disk full']);
      const h = await call(s3.url, 'GET', '/healthz');
      expect(h.status).toBe(503);
      expect((await call(s3.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } })).status).toBe(500);
    } finally {
      await s3.close();
    }
  });
});
