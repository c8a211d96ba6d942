/**
 * The HTTP service (`drs serve`): the app is in ./http/ (app.ts: authentication, audit, errors;
 * routes.ts: the API; sse.ts: the event stream; server.ts: start-up, replicas and leadership).
 */
export { buildApp, type AppContext } from './http/app.js';
export { createSchedulerFromConfig, startServer, type ServerHandle, type StartServerOptions } from './http/server.js';
export { SchedulerHolder, type Role } from './http/holder.js';
export { DEFAULT_LIMITS, RateLimiter, type ServiceLimits } from './http/limits.js';
