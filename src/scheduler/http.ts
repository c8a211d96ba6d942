/**
 * The HTTP service (`drs serve`): the app is in ./http/ (app.ts: authentication, audit, errors;
 * routes.ts: the API; sse.ts: the event stream; server.ts: start-up, replicas and leadership).
 */
export { buildApp } from './http/app.js';
export type { AppContext } from './http/context.js';
export { createSchedulerFromConfig, startServer, type ServerHandle, type StartServerOptions } from './http/server.js';
export { SchedulerHolder, type Role } from './http/holder.js';
export { DEFAULT_LIMITS, RateLimiter, type ServiceLimits } from './http/limits.js';
