import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isUserError } from '../../core/errors.js';
import type { ServeConfig, TokenSpec } from '../config.js';
import { ServiceMetrics } from '../metrics.js';
import type { ResourceScheduler } from '../scheduler.js';
import { registerJsonParser } from './json-body.js';
import { HttpError } from './errors.js';
import { SchedulerHolder } from './holder.js';
import { IdView, scopedId, type Principal } from './ids.js';
import { DEFAULT_LIMITS, RateLimiter, type ServiceLimits } from './limits.js';
import type { AppContext } from './context.js';
import { registerRoutes } from './routes.js';
import { EventStreams } from './sse.js';

/**
 * The HTTP service over ResourceScheduler (`drs serve`). See docs/serve.md for the API, the
 * status codes and the security model. In short:
 *
 * - Every /v1 route needs `Authorization: Bearer <token>`. Missing or unknown token: 401. Each
 *   token is rate-limited (429 with Retry-After).
 * - A tenant token acts for its tenant only, and its ids are scoped to its tenant (ids.ts): it
 *   sees, renews and releases only its own allocations and learns nothing of other tenants'.
 *   Admin-only routes answer 403. An admin token may do everything, for any tenant.
 * - Bodies are JSON, at most `bodyLimit` bytes (413 beyond), validated with zod (400 naming the
 *   field); malformed JSON is 400. No input crashes the process.
 * - Every write is appended to the store's audit log (who, what, result) before it is answered.
 * - A standby replica answers /v1 with 503 and the leader's address.
 */


function hashToken(t: string): string {
  return createHash('sha256').update(t).digest('hex');
}

/**
 * Longest path parameter the router takes: an admin's scoped id `tenant~id` (a tenant of up to 200
 * characters, an id of up to 200), percent-encoded: 401 × 3 for ASCII, and room for UTF-8 tenants.
 */
const MAX_PARAM_LENGTH = 4096;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What an answer says happened: a result's `status`, else a refusal's code. */
function outcome(code: number, body: unknown): string {
  const b = body as { status?: unknown; rejection?: { code?: unknown }; name?: unknown } | null;
  if (code >= 400 && typeof b?.rejection?.code === 'string') return b.rejection.code;
  if (typeof b?.status === 'string') return b.status;
  return code < 400 ? 'ok' : 'error';
}

/** Extra routes mounted in the authenticated /v1 scope after the service's own (e.g. `agentRoutes` of src/agents). */
export type ServePlugin = (v1: FastifyInstance, ctx: AppContext) => void;

/** Build the fastify app (not listening) over a scheduler, or over a holder a replica fills when it leads. */
export function buildApp(
  config: ServeConfig,
  schedulerOrHolder: ResourceScheduler | SchedulerHolder,
  onInternalError: (error: unknown) => void = () => {},
  plugins: readonly ServePlugin[] = [],
): { app: FastifyInstance; holder: SchedulerHolder; streams: EventStreams } {
  const holder = schedulerOrHolder instanceof SchedulerHolder ? schedulerOrHolder : new SchedulerHolder(schedulerOrHolder);
  const limits: ServiceLimits = { ...DEFAULT_LIMITS, ...(config.limits ?? {}) };
  const app = Fastify({
    logger: config.log === true,
    bodyLimit: config.bodyLimit ?? 65_536,
    return503OnClosing: true,
    // A path parameter is an admin's scoped id (tenant ≤ 200 characters, `~`, id ≤ 200), percent-encoded
    // at worst; fastify's default of 100 refused (414) ids that POST /v1/allocations accepts.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // What the router refuses before any hook (a bad %-escape, a parameter over that length): the documented error body.
    frameworkErrors: (err, _req, reply) => {
      const code = err.code === 'FST_ERR_BAD_URL' ? 'bad-url' : err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri-too-long' : 'bad-request';
      return (reply as FastifyReply).code(err.statusCode ?? 400).send({ error: { code, message: err.message } });
    },
  });
  // JSON only: other media types get 415 instead of reaching the validators as strings.
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app);
  let metrics: ServiceMetrics | undefined;
  const metricsFor = (s: ResourceScheduler): void => {
    metrics ??= new ServiceMetrics(s);
  };
  if (holder.maybe !== undefined) metricsFor(holder.maybe);
  else void holder.whenReady().then(metricsFor);
  const streams = new EventStreams();
  const rate = new RateLimiter(limits.requestsPerSecond, limits.burst);

  const principals = new Map<string, Principal>();
  for (const t of config.tokens as readonly TokenSpec[]) {
    const h = hashToken(t.token);
    const tag = h.slice(0, 8);
    principals.set(
      h,
      t.admin === true ? { admin: true, actor: `admin#${tag}`, ...(t.tenant !== undefined ? { tenant: t.tenant } : {}) } : { admin: false, tenant: t.tenant as string, actor: `tenant:${t.tenant}#${tag}` },
    );
  }
  const who = new WeakMap<FastifyRequest, { p: Principal; key: string }>();
  const authenticate = (req: FastifyRequest): { p: Principal; key: string } => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (m === null) throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const key = hashToken(m[1] as string);
    const p = principals.get(key);
    if (p === undefined) throw new HttpError(401, 'unauthorized', 'unknown token');
    return { p, key };
  };
  const principal = (req: FastifyRequest): Principal => (who.get(req) as { p: Principal }).p;
  const ctx: AppContext = {
    config,
    holder,
    limits,
    streams,
    principal,
    view: (req) => new IdView(principal(req)),
    requireAdmin: (req) => {
      if (!principal(req).admin) throw new HttpError(403, 'forbidden', 'this route needs an admin token');
    },
    async send(reply, code, body) {
      const s = holder.get();
      // A write's audit record goes into the same commit as the write (one commit round).
      if (WRITES.has(reply.request.method)) audit(reply.request, s, code, outcome(code, body));
      await s.durable();
      return reply.code(code).send(body);
    },
  };

  app.addHook('onResponse', (req, reply, done) => {
    metrics?.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  // Audit: every write through /v1 that got past authentication and the rate limit, with its
  // result, appended to the store and committed before the answer leaves: by `send` for answers
  // of the routes (in the write's own commit), here for refusals (errors thrown before `send`).
  const audited = new WeakSet<FastifyRequest>();
  const audit = (req: FastifyRequest, s: ResourceScheduler, status: number, result: string): void => {
    const w = who.get(req);
    if (w === undefined || audited.has(req) || !s.healthy) return;
    audited.add(req);
    const params = req.params as { id?: string; pool?: string; node?: string } | undefined;
    const body = req.body as { id?: unknown; name?: unknown; targetId?: unknown; tenant?: unknown } | undefined;
    const view = new IdView(w.p);
    const bodyTenant = typeof body?.tenant === 'string' ? body.tenant : undefined;
    const target =
      params?.id !== undefined
        ? view.internal(params.id)
        : params?.pool !== undefined && params.node !== undefined
          ? `${params.pool}/${params.node}`
          : typeof body?.targetId === 'string'
          ? body.targetId
          : typeof body?.name === 'string'
            ? body.name
            : typeof body?.id === 'string'
              ? scopedId(w.p.admin ? (bodyTenant ?? w.p.tenant ?? 'default') : w.p.tenant, body.id)
              : null;
    s.appendAudit({ atMs: Date.now(), actor: w.p.actor, method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0] ?? '', target, status, result });
  };
  app.addHook('onSend', async (req, reply, payload) => {
    const s = holder.maybe;
    if (s === undefined || audited.has(req) || !WRITES.has(req.method) || !req.url.startsWith('/v1/') || !s.healthy) return payload;
    if (reply.statusCode === 429 && reply.getHeader('x-drs-limit') === 'rate') return payload;
    const text = typeof payload === 'string' ? payload : '';
    const code = /"code":"([^"]{1,80})"/.exec(text)?.[1];
    audit(req, s, reply.statusCode, code ?? (reply.statusCode < 400 ? 'ok' : 'error'));
    await s.durable();
    return payload;
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      if (err.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.field !== undefined ? { field: err.field } : {}), ...err.extra } });
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
    // A PostgreSQL replica whose scheduler stopped (a failed commit: its connection cut, the
    // database gone) has handed the lead on by now (server.ts: `onFailure` deposes it before the
    // commit's promise rejects): answer the requests caught in that commit as a failover, which
    // clients retry on the leader, not as a crash to restart by hand.
    if (holder.role === 'deposed') {
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({
          error: {
            code: 'not-leader',
            message: 'this replica lost the lead while committing this request (its database commit failed), so it may not have been committed: retry on the leader (a retried id that was committed answers 409 duplicate)',
            leader: null,
          },
        });
    }
    const healthy = holder.maybe?.healthy ?? false;
    return reply.code(500).send({ error: { code: 'internal', message: healthy ? 'internal error' : 'the scheduler stopped after an internal error; restart the service' } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));

  app.get('/healthz', (_req, reply) => {
    const s = holder.maybe;
    if (s === undefined) return reply.code(200).send({ status: 'ok', role: holder.role, leader: holder.leaderUrl });
    const ok = s.healthy;
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'failed', role: holder.role, allocations: s.allocationCount, queue: s.queueLength, store: s.store.description, lastEventId: s.lastEventId });
  });

  app.get('/metrics', async (req, reply) => {
    if (config.metricsPublic === false && !authenticate(req).p.admin) throw new HttpError(403, 'forbidden', '/metrics needs an admin token');
    if (metrics === undefined) holder.get(); // 503 on a standby
    const m = metrics as ServiceMetrics;
    const text = await m.registry.metrics();
    return reply.header('content-type', m.registry.contentType).send(text);
  });

  void app.register(
    (v1, _opts, done) => {
      v1.addHook('onRequest', (req, reply, next) => {
        try {
          const w = authenticate(req);
          who.set(req, w);
          const wait = rate.take(w.key);
          if (wait !== undefined) {
            void reply.header('x-drs-limit', 'rate');
            throw new HttpError(429, 'rate-limited', `more than ${limits.requestsPerSecond} requests per second (burst ${limits.burst}) with this token; retry in ${wait} s`, undefined, {
              'retry-after': String(wait),
            });
          }
          holder.get(); // a standby answers 503 with the leader's address
        } catch (e) {
          next(e as Error);
          return;
        }
        next();
      });
      registerRoutes(v1, ctx);
      for (const plugin of plugins) plugin(v1, ctx);
      done();
    },
    { prefix: '/v1' },
  );

  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });
  app.addHook('onClose', (_app, done) => {
    metrics?.close();
    done();
  });
  return { app, holder, streams };
}
