import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUserError } from '../../core/errors.js';
import { poolNodeBound, POOL_SCHEMA, toPoolInput } from '../config.js';
import type { AllocateResult, AllocationInfo, NodeFailResult, NodeRepairResult, RequestStatus, SchedulerRejection, ScheduleRequest } from '../types.js';
import type { AppContext } from './context.js';
import { HttpError, parseBody } from './errors.js';
import { decodeCursor, encodeCursor, listQuery, paginate, parseQuery, resumeCursor } from './lists.js';
import { toScheduleRequest } from './requests.js';
import { allocationBody, preemptionBody, renewBody, type AllocationBody } from './schemas.js';

/** HTTP status for a refused request. */
function rejectionStatus(r: SchedulerRejection): number {
  switch (r.code) {
    case 'quota':
      return 429;
    case 'duplicate':
    case 'wait':
    case 'time-limit':
    case 'queue-full':
    case 'not-preemptible':
      return 409;
    case 'not-found':
      return 404;
    default:
      return 422;
  }
}

function resultStatus(res: AllocateResult): number {
  switch (res.status) {
    case 'allocated':
      return 201;
    case 'queued':
      return 202;
    case 'rejected':
      return rejectionStatus(res.rejection);
    case 'preempted':
      return 409;
  }
}

type Queued = Extract<RequestStatus, { status: 'queued' }>;
type ListItem = (AllocationInfo & { state: 'allocated' }) | { id: string; tenant: string; state: 'queued'; enqueuedAtMs: number; timeoutAtMs: number; position: number };

export function registerRoutes(v1: FastifyInstance, ctx: AppContext): void {
  const { holder, limits } = ctx;
  const pageLimit = (n: number | undefined): number => n ?? Math.min(100, limits.pageSize);

  /** The tenant a list is restricted to: a tenant token's own (asking for another's is 403), or the admin's `?tenant=`. */
  const listTenant = (req: FastifyRequest, asked: string | undefined): string | undefined => {
    const p = ctx.principal(req);
    if (p.admin) return asked;
    if (asked !== undefined && asked !== p.tenant) throw new HttpError(403, 'forbidden', `a '${p.tenant}' token may only list tenant '${p.tenant}'`, 'tenant');
    return p.tenant;
  };

  /** The id `param` names for this caller, if the caller may see it; else 404 (as for unknown ids). */
  const visibleStatus = (req: FastifyRequest, param: string): { id: string; st: RequestStatus } => {
    const id = ctx.view(req).internal(param);
    const st = holder.get().status(id);
    const p = ctx.principal(req);
    const tenant = st.status === 'allocated' ? st.allocation.tenant : st.status === 'unknown' ? undefined : st.tenant;
    if (tenant === undefined || (!p.admin && tenant !== p.tenant)) throw new HttpError(404, 'not-found', `no allocation '${param}'`);
    return { id, st };
  };

  const toRequest = (req: FastifyRequest, body: AllocationBody): ScheduleRequest => {
    const s = holder.get();
    return toScheduleRequest(ctx.principal(req), body, { newId: randomUUID, status: (id) => s.status(id) });
  };

  // ---- pools -------------------------------------------------------------------------------

  const poolsQuery = listQuery(limits.pageSize, ['all']);
  v1.get('/pools', (req, reply) => {
    const q = parseQuery(poolsQuery, req.query);
    const pools = holder.get().listPools();
    const page = paginate(
      pools.map((p, i) => ({ p, i })),
      (x) => x.i,
      q.cursor,
      pageLimit(q.limit),
    );
    return ctx.send(reply, 200, { pools: page.items.map((x) => x.p), nextCursor: page.nextCursor });
  });

  v1.get<{ Params: { name: string } }>('/pools/:name', (req, reply) => {
    const p = holder.get().getPool(req.params.name);
    if (p === undefined) throw new HttpError(404, 'not-found', `no pool '${req.params.name}'`);
    return ctx.send(reply, 200, p);
  });

  v1.post('/pools', (req, reply) => {
    ctx.requireAdmin(req);
    const body = parseBody(POOL_SCHEMA, req.body);
    const s = holder.get();
    const n = poolNodeBound(body.nodes);
    if (n > limits.nodesPerPool) {
      const field = typeof body.nodes === 'number' ? 'nodes' : body.nodes.initial >= (body.nodes.max ?? 0) ? 'nodes.initial' : 'nodes.max';
      throw new HttpError(422, 'limit', `${n} nodes exceed the limit of ${limits.nodesPerPool} nodes per pool (limits.nodesPerPool)`, field);
    }
    if (s.getPool(body.name) !== undefined) throw new HttpError(409, 'conflict', `a pool named '${body.name}' already exists`, 'name');
    if (s.listPools().length >= limits.pools) throw new HttpError(422, 'limit', `the service already holds ${limits.pools} pools (limits.pools)`, 'name');
    return ctx.send(reply, 201, s.addPool(toPoolInput(body)));
  });

  // ---- nodes: failure and repair (admin) ----------------------------------------------------

  /** Fail or repair a node: 200 when it changed, 409 when it was not up (fail) / not failed (repair), 404 for an unknown pool or node. */
  const nodeOperation = (op: 'fail' | 'repair') => (req: FastifyRequest<{ Params: { pool: string; node: string } }>, reply: FastifyReply) => {
    ctx.requireAdmin(req);
    const s = holder.get();
    const { pool, node } = req.params;
    if (s.getPool(pool) === undefined) throw new HttpError(404, 'not-found', `no pool '${pool}'`, 'pool');
    let res: NodeFailResult | NodeRepairResult;
    try {
      res = op === 'fail' ? s.failNode(pool, node) : s.repairNode(pool, node);
    } catch (e) {
      if (isUserError(e)) throw new HttpError(404, 'not-found', e.message, 'node');
      throw e;
    }
    return ctx.send(reply, res.status === 'failed' || res.status === 'repaired' ? 200 : 409, res);
  };
  v1.post('/pools/:pool/nodes/:node/fail', nodeOperation('fail'));
  v1.post('/pools/:pool/nodes/:node/repair', nodeOperation('repair'));

  // ---- allocations -------------------------------------------------------------------------

  v1.post('/allocations', (req, reply) => {
    const body = parseBody(allocationBody, req.body);
    const request = toRequest(req, body);
    const s = holder.get();
    const tenant = request.tenant as string;
    if (s.outstanding(tenant) >= limits.outstandingPerTenant) {
      throw new HttpError(429, 'tenant-limit', `tenant '${tenant}' already has ${limits.outstandingPerTenant} live or queued requests (limits.outstandingPerTenant); release some first`, undefined, { 'retry-after': '5' });
    }
    const res = s.allocate(request);
    return ctx.send(reply, resultStatus(res), ctx.view(req).result(res));
  });

  const allocationsQuery = listQuery(limits.pageSize, ['all', 'allocated', 'queued']);
  v1.get('/allocations', (req, reply) => {
    const q = parseQuery(allocationsQuery, req.query);
    const s = holder.get();
    const tenant = listTenant(req, q.tenant);
    const view = ctx.view(req);
    const state = q.state ?? 'all';
    const items: ListItem[] = [];
    if (state !== 'queued') {
      for (const a of s.listAllocations({ ...(tenant !== undefined ? { tenant } : {}), ...(q.pool !== undefined ? { pool: q.pool } : {}) })) items.push({ ...view.allocation(a), state: 'allocated' });
    }
    // Queued requests are on no pool yet: a pool filter lists allocations only.
    if (state !== 'allocated' && q.pool === undefined) {
      for (const w of s.listQueued(tenant !== undefined ? { tenant } : {}) as Queued[]) {
        items.push({ id: view.out(w.requestId) ?? w.requestId, tenant: w.tenant, state: 'queued', enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, position: w.position });
      }
    }
    items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = paginate(items, (x) => x.id, q.cursor, pageLimit(q.limit));
    return ctx.send(reply, 200, { allocations: page.items, nextCursor: page.nextCursor });
  });

  v1.get<{ Params: { id: string } }>('/allocations/:id', (req, reply) => {
    const { st } = visibleStatus(req, req.params.id);
    // A polled id is `allocated` (200), `queued` (202) or `ended` (200, with how it ended): never a 404 while the service remembers it.
    return ctx.send(reply, st.status === 'queued' ? 202 : 200, ctx.view(req).status(st));
  });

  v1.delete<{ Params: { id: string } }>('/allocations/:id', (req, reply) => {
    const { id, st } = visibleStatus(req, req.params.id);
    if (st.status !== 'allocated' && st.status !== 'queued') throw new HttpError(404, 'not-found', `allocation '${req.params.id}' has already ended`);
    const res = holder.get().release(id);
    if (res.status === 'not-found') throw new HttpError(404, 'not-found', `no allocation '${req.params.id}'`);
    return ctx.send(reply, 200, ctx.view(req).release(res));
  });

  v1.post<{ Params: { id: string } }>('/allocations/:id/renew', (req, reply) => {
    const body = parseBody(renewBody, req.body);
    const { id, st } = visibleStatus(req, req.params.id);
    const res = holder.get().renew(id, body.durationMs);
    if (res.status === 'not-found') {
      // Say why: it ended (expired, released, ...) or it is still queued.
      const why = st.status === 'ended' ? `it already ended (${st.how})` : 'it is queued, not yet allocated: only a running allocation can be renewed';
      throw new HttpError(404, 'not-found', `cannot renew '${req.params.id}': ${why}`);
    }
    return ctx.send(reply, 200, { status: res.status, allocation: ctx.view(req).allocation(res.allocation) });
  });

  // ---- preemptions -------------------------------------------------------------------------

  v1.post('/preemptions', (req, reply) => {
    ctx.requireAdmin(req);
    const body = parseBody(preemptionBody, req.body);
    // An explicit preemption places its request at once: it cannot wait for a dependency or a slot of its group.
    for (const k of ['dependsOn', 'concurrency'] as const) {
      if (body.request[k] !== undefined) throw new HttpError(400, 'invalid-body', `request.${k}: an explicit preemption places its request at once, so it takes no ${k} (submit it to POST /v1/allocations instead)`, `request.${k}`);
    }
    const res = holder.get().preempt(body.targetId, toRequest(req, body.request));
    return ctx.send(reply, resultStatus(res), ctx.view(req).result(res));
  });

  const preemptionsQuery = listQuery(limits.pageSize, ['priority', 'reclaim', 'explicit']);
  v1.get('/preemptions', (req, reply) => {
    const q = parseQuery(preemptionsQuery, req.query);
    const tenant = listTenant(req, q.tenant);
    const view = ctx.view(req);
    // Keyed by position in the whole log, so a cursor stays valid while old records are pruned.
    const { first, records } = holder.get().preemptionWindow();
    const items: { i: number; r: ReturnType<typeof view.preemption> }[] = [];
    records.forEach((r, i) => {
      if (tenant !== undefined && r.tenant !== tenant && r.forTenant !== tenant) return;
      if (q.pool !== undefined && r.pool !== q.pool) return;
      if (q.state !== undefined && r.kind !== q.state) return;
      items.push({ i: first + i, r: view.preemption(r) });
    });
    const page = paginate(items, (x) => x.i, q.cursor, pageLimit(q.limit));
    // Positions start at 0, so -1 is before every record.
    const resume = resumeCursor(page.items[page.items.length - 1]?.i, decodeCursor(q.cursor), -1);
    return ctx.send(reply, 200, { preemptions: page.items.map((x) => x.r), nextCursor: page.nextCursor, resumeCursor: resume });
  });

  // ---- events and audit --------------------------------------------------------------------

  v1.get('/events', (req, reply) => ctx.streams.serve(req, reply, holder.get(), ctx.view(req)));

  const auditQuery = listQuery(limits.pageSize, ['all']);
  v1.get('/audit', async (req, reply) => {
    ctx.requireAdmin(req);
    const q = parseQuery(auditQuery, req.query);
    const s = holder.get();
    await s.durable();
    const limit = pageLimit(q.limit);
    const after = decodeCursor(q.cursor);
    const afterSeq = typeof after === 'number' ? after : 0;
    const rows = await s.store.readAudit({ afterSeq, limit: limit + 1, ...(q.actor !== undefined ? { actor: q.actor } : {}) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return reply.code(200).send({
      audit: page,
      nextCursor: rows.length > limit && last?.seq !== undefined ? encodeCursor(last.seq) : null,
      // Sequence numbers start at 1, so 0 is before every record.
      resumeCursor: resumeCursor(last?.seq, typeof after === 'number' ? after : undefined, 0),
    });
  });
}
