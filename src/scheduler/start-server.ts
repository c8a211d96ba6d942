import type { ServeConfig } from './config.js';
import type { ServerHandle, StartServerOptions } from './http/server.js';

export type { ServerHandle, StartServerOptions };

/**
 * `startServer` of the package's main entry: the HTTP service (./http/server.ts, fastify and its
 * plugins) is imported when a server is started, so `import 'drs-toolkit'` for the simulator or
 * ResourceScheduler alone does not load fastify. Same signature and result as the service's own.
 */
export async function startServer(config: ServeConfig, options: StartServerOptions = {}): Promise<ServerHandle> {
  const http = await import('./http/server.js');
  return http.startServer(config, options);
}
