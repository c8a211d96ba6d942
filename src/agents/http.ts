import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AgentScheduler } from './scheduler.js';

/** What a `drs serve` plugin gets from the service (structural: the service's own context satisfies it). */
export interface ServeContext {
  /** Throws the service's 403 unless the caller holds an admin token. */
  requireAdmin(req: FastifyRequest): void;
  /** Answer once everything done so far is durable. */
  send(reply: FastifyReply, code: number, body: unknown): Promise<FastifyReply>;
}

const eventBody = z.union([
  z.object({ event: z.string().min(1) }).strict(),
  z.object({ metric: z.string().min(1), value: z.number().finite() }).strict(),
]);

function refuse(ctx: ServeContext, reply: FastifyReply, code: number, error: string, message: string, field?: string): Promise<FastifyReply> {
  return ctx.send(reply, code, { error: { code: error, message, ...(field !== undefined ? { field } : {}) } });
}

/**
 * The agent routes of `drs serve` (admin tokens only), as a plugin mounted in the service's
 * authenticated `/v1` scope (paths below are relative to it):
 *
 *   GET  /v1/agents               the status monitor: one entry per agent (state, runs, crashes, restarts)
 *   GET  /v1/agents/:id/runs      that agent's runs (trigger cause, state, start/end times, reason)
 *   POST /v1/agents/:id/trigger   on-demand run → 202 { runId }
 *   POST /v1/agents/events        { event } or { metric, value } for condition schedules → 202 { runIds }
 */
export function agentRoutes(agents: AgentScheduler): (app: FastifyInstance, ctx: ServeContext) => void {
  return (app, ctx) => {
    const known = (id: string) => agents.fleet.agents.some((a) => a.id === id);
    app.get('/agents', async (req, reply) => {
      ctx.requireAdmin(req);
      return ctx.send(reply, 200, { agents: agents.status() });
    });
    app.get<{ Params: { id: string } }>('/agents/:id/runs', async (req, reply) => {
      ctx.requireAdmin(req);
      if (!known(req.params.id)) return refuse(ctx, reply, 404, 'not-found', `no agent '${req.params.id}'`);
      const runs = agents.listRuns(req.params.id).map((r) => ({
        id: r.id,
        cause: r.cause,
        state: r.state,
        triggeredAt: r.triggeredAt,
        ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
        ...(r.endedAt !== undefined ? { endedAt: r.endedAt } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      }));
      return ctx.send(reply, 200, { runs });
    });
    app.post<{ Params: { id: string } }>('/agents/:id/trigger', async (req, reply) => {
      ctx.requireAdmin(req);
      if (!known(req.params.id)) return refuse(ctx, reply, 404, 'not-found', `no agent '${req.params.id}'`);
      return ctx.send(reply, 202, { runId: agents.trigger(req.params.id, { kind: 'on-demand', by: 'http' }) });
    });
    app.post('/agents/events', async (req, reply) => {
      ctx.requireAdmin(req);
      const r = eventBody.safeParse(req.body);
      if (!r.success) return refuse(ctx, reply, 400, 'invalid-body', 'expected { event } or { metric, value }');
      const runIds = 'event' in r.data ? agents.emit(r.data.event) : agents.setMetric(r.data.metric, r.data.value);
      return ctx.send(reply, 202, { runIds });
    });
  };
}
