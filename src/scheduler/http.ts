import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isUserError } from '../core/errors.js';
import { PRIORITIES } from '../core/priority.js';
import { POOL_SCHEMA, toPoolInput, formatFieldPath, type ServeConfig, type TokenSpec } from './config.js';
import { ServiceMetrics } from './metrics.js';
import { ResourceScheduler, type ResourceSchedulerOptions } from './scheduler.js';
import { SqliteStore } from './sqlite-store.js';
import type { AllocateResult, SchedulerRejection, ScheduleRequest } from './types.js';

/**
 * The HTTP service over ResourceScheduler (`drs serve`). See docs/serve.md for the API, the
 * status codes and the security model. In short:
 *
 * - Every /v1 route needs `Authorization: Bearer <token>`. Missing or unknown token: 401.
 *   A tenant token acts for its tenant only: it sees, renews and releases only its own
 *   allocations (another tenant's id answers 404, exactly like an unknown id, so ids do not
 *   leak); admin-only routes (POST /v1/pools, POST /v1/preemptions) answer 403. An admin token
 *   may do everything, for any tenant (`tenant` in the body).
 * - Bodies are JSON, at most `bodyLimit` bytes (413 beyond), validated with zod (400 naming the
 *   field); malformed JSON is 400. No input crashes the process.
 * - `GET /healthz` and (by default) `GET /metrics` need no token.
 */

export interface ServerHandle {
  /** `http://host:port` the server listens on. */
  readonly url: string;
  readonly port: number;
  readonly scheduler: ResourceScheduler;
  readonly app: FastifyInstance;
  /** Stop listening, then close the scheduler (and its store). */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Use this scheduler instead of building one from the config (its pools/strategy settings are then ignored). */
  readonly scheduler?: ResourceScheduler;
  /** Extra scheduler options (clock, timers, scaling policy, ...) merged over the config's. */
  readonly schedulerOptions?: Partial<ResourceSchedulerOptions>;
  /** Called with every error answered 500 (a bug or a failed commit); `drs serve` prints it. */
  readonly onInternalError?: (error: unknown) => void;
}

type Principal = { readonly admin: true; readonly tenant?: string } | { readonly admin: false; readonly tenant: string };

const ID = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'an id is 1-200 characters of letters, digits and . _ : @ -');
const amount = z.number().finite().min(0);
const ms = z.number().finite().positive().max(10 * 365 * 86400 * 1000);

const allocationBody = z
  .object({
    id: ID.optional(),
    pool: z.string().min(1).max(100).optional(),
    pools: z.array(z.string().min(1).max(100)).max(100).optional(),
    units: amount.optional(),
    demand: z.record(z.string().max(64), amount).optional(),
    priority: z.enum(PRIORITIES).optional(),
    tenant: z.string().min(1).max(200).optional(),
    maxLatencyMs: amount.optional(),
    maxCostPerHour: amount.optional(),
    labels: z.record(z.string().max(100), z.string().max(200)).optional(),
    preemptible: z.boolean().optional(),
    durationMs: ms.optional(),
    estimatedDurationMs: ms.optional(),
    queueTimeoutMs: z.number().finite().min(0).max(86400 * 1000).optional(),
  })
  .strict();
const renewBody = z.object({ durationMs: ms }).strict();
const preemptionBody = z.object({ targetId: ID, request: allocationBody }).strict();

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const res = schema.safeParse(body);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const path = issue === undefined ? [] : issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
  const field = formatFieldPath(path);
  throw new HttpError(400, 'invalid-body', `${field === '' ? 'body' : field}: ${issue?.message ?? 'invalid'}`, field === '' ? undefined : field);
}

function hashToken(t: string): string {
  return createHash('sha256').update(t).digest('hex');
}

/** HTTP status for a refused request. */
function rejectionStatus(r: SchedulerRejection): number {
  switch (r.code) {
    case 'quota':
      return 429;
    case 'duplicate':
    case 'wait':
    case 'time-limit':
    case 'queue-full':
      return 409;
    case 'not-found':
      return 404;
    case 'not-preemptible':
      return 409;
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
  }
}

/** Build the fastify app (not listening). */
export function buildApp(config: ServeConfig, scheduler: ResourceScheduler, onInternalError: (error: unknown) => void = () => {}): { app: FastifyInstance; metrics: ServiceMetrics } {
  const app = Fastify({
    logger: config.log === true,
    bodyLimit: config.bodyLimit ?? 65_536,
    return503OnClosing: true,
  });
  // JSON only: other media types get 415 instead of reaching the validators as strings.
  app.removeContentTypeParser('text/plain');
  const metrics = new ServiceMetrics(scheduler);
  const principals = new Map<string, Principal>();
  for (const t of config.tokens as readonly TokenSpec[]) {
    principals.set(hashToken(t.token), t.admin === true ? { admin: true, ...(t.tenant !== undefined ? { tenant: t.tenant } : {}) } : { admin: false, tenant: t.tenant as string });
  }

  const who = new WeakMap<FastifyRequest, Principal>();
  const authenticate = (req: FastifyRequest): Principal => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (m === null) throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const p = principals.get(hashToken(m[1] as string));
    if (p === undefined) throw new HttpError(401, 'unauthorized', 'unknown token');
    return p;
  };
  const principal = (req: FastifyRequest): Principal => who.get(req) as Principal;
  const requireAdmin = (req: FastifyRequest): void => {
    if (!principal(req).admin) throw new HttpError(403, 'forbidden', 'this route needs an admin token');
  };
  /** The allocation or queued request `id`, if the caller may see it; else 404 (as for unknown ids). */
  const visible = (req: FastifyRequest, id: string): void => {
    const st = scheduler.status(id);
    const p = principal(req);
    const tenant = st.status === 'allocated' ? st.allocation.tenant : st.status === 'unknown' ? undefined : st.tenant;
    if (tenant === undefined || (!p.admin && tenant !== p.tenant)) throw new HttpError(404, 'not-found', `no allocation '${id}'`);
  };
  const toRequest = (req: FastifyRequest, body: z.infer<typeof allocationBody>): ScheduleRequest => {
    const p = principal(req);
    if (!p.admin && body.tenant !== undefined && body.tenant !== p.tenant) throw new HttpError(403, 'forbidden', `a '${p.tenant}' token may only allocate for tenant '${p.tenant}'`, 'tenant');
    const tenant = p.admin ? (body.tenant ?? p.tenant ?? 'default') : p.tenant;
    return { ...body, tenant };
  };

  app.addHook('onResponse', (req, reply, done) => {
    metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      if (err.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.field !== undefined ? { field: err.field } : {}) } });
    }
    if (isUserError(err)) {
      const field = err.location.field;
      return reply.code(400).send({ error: { code: 'invalid-request', message: err.message, ...(field !== undefined ? { field } : {}) } });
    }
    const e = err as { statusCode?: number; code?: string; message?: string };
    const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code =
        e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload-too-large' : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported-media-type' : status === 400 ? 'invalid-json' : 'bad-request';
      return reply.code(status).send({ error: { code, message: e.message ?? 'bad request' } });
    }
    req.log.error(err);
    onInternalError(err);
    return reply.code(500).send({ error: { code: 'internal', message: scheduler.healthy ? 'internal error' : 'the scheduler stopped after an internal error; restart the service' } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));

  app.get('/healthz', (_req, reply) => {
    const ok = scheduler.healthy;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failed', allocations: scheduler.allocationCount, queue: scheduler.queueLength, store: scheduler.store.description });
  });

  app.get('/metrics', async (req, reply) => {
    if (config.metricsPublic === false && !authenticate(req).admin) throw new HttpError(403, 'forbidden', '/metrics needs an admin token');
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });

  void app.register((v1, _opts, done) => {
    v1.addHook('onRequest', (req, _reply, next) => {
      try {
        who.set(req, authenticate(req));
      } catch (e) {
        next(e as Error);
        return;
      }
      next();
    });

    // Every answer waits for `durable()`: nothing is acknowledged, and no state is shown, before
    // it is committed (with group commit, one fsync covers all requests of an event-loop turn).
    const send = async (reply: FastifyReply, code: number, body: unknown): Promise<FastifyReply> => {
      await scheduler.durable();
      return reply.code(code).send(body);
    };

    v1.get('/pools', (_req, reply) => send(reply, 200, { pools: scheduler.listPools() }));

    v1.get<{ Params: { name: string } }>('/pools/:name', (req, reply) => {
      const p = scheduler.getPool(req.params.name);
      if (p === undefined) throw new HttpError(404, 'not-found', `no pool '${req.params.name}'`);
      return send(reply, 200, p);
    });

    v1.post('/pools', (req, reply) => {
      requireAdmin(req);
      const body = parseBody(POOL_SCHEMA, req.body);
      if (scheduler.getPool(body.name) !== undefined) throw new HttpError(409, 'conflict', `a pool named '${body.name}' already exists`, 'name');
      return send(reply, 201, scheduler.addPool(toPoolInput(body)));
    });

    v1.post('/allocations', (req, reply) => {
      const body = parseBody(allocationBody, req.body);
      const res = scheduler.allocate(toRequest(req, body));
      return send(reply, resultStatus(res), res);
    });

    v1.get<{ Querystring: { tenant?: string; pool?: string } }>('/allocations', (req, reply) => {
      const p = principal(req);
      const tenant = p.admin ? req.query.tenant : p.tenant;
      return send(reply, 200, { allocations: scheduler.listAllocations({ ...(tenant !== undefined ? { tenant } : {}), ...(req.query.pool !== undefined ? { pool: req.query.pool } : {}) }) });
    });

    v1.get<{ Params: { id: string } }>('/allocations/:id', (req, reply) => {
      visible(req, req.params.id);
      const st = scheduler.status(req.params.id);
      if (st.status === 'allocated') return send(reply, 200, st);
      if (st.status === 'queued') return send(reply, 202, st);
      throw new HttpError(404, 'not-found', st.status === 'ended' ? `allocation '${req.params.id}' has ended (${st.how})` : `no allocation '${req.params.id}'`);
    });

    v1.delete<{ Params: { id: string } }>('/allocations/:id', (req, reply) => {
      visible(req, req.params.id);
      const st = scheduler.status(req.params.id);
      if (st.status !== 'allocated' && st.status !== 'queued') throw new HttpError(404, 'not-found', `allocation '${req.params.id}' has already ended`);
      const res = scheduler.release(req.params.id);
      if (res.status === 'not-found') throw new HttpError(404, 'not-found', `no allocation '${req.params.id}'`);
      return send(reply, 200, res);
    });

    v1.post<{ Params: { id: string } }>('/allocations/:id/renew', (req, reply) => {
      const body = parseBody(renewBody, req.body);
      visible(req, req.params.id);
      const res = scheduler.renew(req.params.id, body.durationMs);
      if (res.status === 'not-found') throw new HttpError(404, 'not-found', `no live allocation '${req.params.id}' (queued requests cannot be renewed)`);
      return send(reply, 200, res);
    });

    v1.post('/preemptions', (req, reply) => {
      requireAdmin(req);
      const body = parseBody(preemptionBody, req.body);
      const res = scheduler.preempt(body.targetId, toRequest(req, body.request));
      return send(reply, resultStatus(res), res);
    });

    v1.get('/preemptions', (req, reply) => {
      const p = principal(req);
      const all = scheduler.getPreemptions();
      return send(reply, 200, { preemptions: p.admin ? all : all.filter((r) => r.tenant === p.tenant || r.forTenant === p.tenant) });
    });

    done();
  }, { prefix: '/v1' });

  app.addHook('onClose', (_app, done) => {
    metrics.close();
    done();
  });
  return { app, metrics };
}

/** Build the scheduler a config describes (SQLite store if `stateFile`, else memory). */
export async function createSchedulerFromConfig(config: ServeConfig, extra: Partial<ResourceSchedulerOptions> = {}): Promise<ResourceScheduler> {
  const store = config.stateFile !== undefined ? new SqliteStore(config.stateFile) : undefined;
  try {
    return await ResourceScheduler.create({
      ...(config.dimensions !== undefined ? { dimensions: config.dimensions } : {}),
      ...(config.strategy !== undefined ? { strategy: config.strategy } : {}),
      ...(config.preemption !== undefined ? { preemption: config.preemption } : {}),
      ...(config.queue !== undefined ? { queue: config.queue } : {}),
      ...(config.defaultLeaseMs !== undefined ? { defaultLeaseMs: config.defaultLeaseMs } : {}),
      ...(config.quotas !== undefined ? { quotas: config.quotas } : {}),
      ...(config.scaling !== undefined ? { scaling: config.scaling } : {}),
      ...(config.pools !== undefined ? { pools: config.pools } : {}),
      ...(store !== undefined ? { store } : {}),
      // Group commit pays off with a disk; in memory a commit is a map update.
      durability: config.durability ?? (config.stateFile !== undefined ? 'group' : 'per-operation'),
      ...extra,
    });
  } catch (e) {
    store?.close();
    throw e;
  }
}

/**
 * Start the service: build the scheduler (restoring its state file), listen on host:port
 * (default 127.0.0.1:8080; port 0 picks a free one), and return the URL and a `close`.
 */
export async function startServer(config: ServeConfig, options: StartServerOptions = {}): Promise<ServerHandle> {
  const scheduler = options.scheduler ?? (await createSchedulerFromConfig(config, options.schedulerOptions));
  const { app } = buildApp(config, scheduler, options.onInternalError);
  let closed = false;
  try {
    await app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 8080 });
  } catch (e) {
    scheduler.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : (config.port ?? 8080);
  const host = config.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    scheduler,
    app,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      scheduler.close();
    },
  };
}
