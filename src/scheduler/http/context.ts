import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServeConfig } from '../config.js';
import type { SchedulerHolder } from './holder.js';
import type { IdView, Principal } from './ids.js';
import type { ServiceLimits } from './limits.js';
import type { EventStreams } from './sse.js';

/** What the routes get from the app: the scheduler holder, limits, and who is calling. */
export interface AppContext {
  readonly config: ServeConfig;
  readonly holder: SchedulerHolder;
  readonly limits: ServiceLimits;
  readonly streams: EventStreams;
  principal(req: FastifyRequest): Principal;
  view(req: FastifyRequest): IdView;
  requireAdmin(req: FastifyRequest): void;
  /** Answer once everything done so far is durable (nothing is acknowledged or shown before its commit). */
  send(reply: FastifyReply, code: number, body: unknown): Promise<FastifyReply>;
}
