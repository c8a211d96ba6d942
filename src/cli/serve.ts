import path from 'node:path';
import { UserError } from '../core/errors.js';
import { loadServeConfig, type ServeConfig } from '../scheduler/config.js';
import { startServer } from '../scheduler/http.js';
import { numberFlag, parseFlags } from './args.js';
import type { CliCommand } from './command.js';

const usage = `usage: drs serve [--config FILE | --scenario FILE [--strategy LABEL]] [--port N] [--host ADDR] [--state FILE | --postgres URL]

Run the scheduling service: an HTTP API over ResourceScheduler (see docs/serve.md).

  --config FILE     YAML config: tokens, pools, strategy, queue, quotas, state file (examples/serve-config.yaml)
  --scenario FILE   serve one row of a scenario's comparison: the config drs serve-config writes
                    (pools, strategy, queue, quotas, scaling as the simulator ran them), in memory
  --strategy LABEL  with --scenario: the row, by the label drs run prints
  --data-dir DIR    with --scenario: where node lists live (default: $DRS_DATA_DIR, else ../shared/data)
  --port N          port to listen on (default: the config's, else 8080; 0 = any free port)
  --host ADDR       address to bind (default: the config's, else 127.0.0.1)
  --state FILE      SQLite state file (overrides the config's stateFile; default: in memory)
  --postgres URL    shared PostgreSQL store (replicas: one leads, the others stand by; overrides the config's postgres.url)

Without --config, the service starts with no pools and one admin token taken from the
DRS_ADMIN_TOKEN environment variable (at least 16 characters). With --scenario, DRS_ADMIN_TOKEN
is required and each tenant the scenario names gets the token in DRS_TOKEN_<TENANT> when it is set.
Stops on SIGINT/SIGTERM.`;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the scheduler as an HTTP service (pools, allocations, leases, preemption, metrics)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        state: { type: 'string' },
        postgres: { type: 'string' },
        scenario: { type: 'string' },
        strategy: { type: 'string' },
        'data-dir': { type: 'string' },
      },
      usage,
    );
    if (positionals.length > 0) throw new UserError(`drs serve takes no positional arguments, got '${positionals.join(' ')}'\n${usage}`);
    if (values.scenario !== undefined && values.config !== undefined) throw new UserError('give either --config FILE or --scenario FILE, not both (drs serve-config writes a scenario row as a config file)');
    for (const flag of ['strategy', 'data-dir'] as const) if (values[flag] !== undefined && values.scenario === undefined) throw new UserError(`--${flag} goes with --scenario FILE`);
    let config: ServeConfig;
    if (values.scenario !== undefined) {
      const { exportScenario, scenarioServeConfig } = await import('./serve-config.js');
      const x = await exportScenario(io, values.scenario, values.strategy, values['data-dir'], undefined);
      config = scenarioServeConfig(io, x);
      io.err(`drs serve: serving row '${x.exported.row.label}' of ${values.scenario} (drs serve-config ${values.scenario}${values.strategy !== undefined ? ` --strategy ${values.strategy}` : ''} prints this config)\n`);
    } else if (values.config !== undefined) {
      config = loadServeConfig(path.resolve(io.cwd, values.config), io.env, values.state !== undefined || values.postgres !== undefined);
    } else {
      const token = io.env.DRS_ADMIN_TOKEN;
      if (token === undefined || token === '') {
        throw new UserError('no tokens configured: give --config FILE (see examples/serve-config.yaml), or set DRS_ADMIN_TOKEN to an admin token of at least 16 characters');
      }
      // Set but short: "no tokens configured" sent the user looking for a variable they had set.
      if (token.length < 16) {
        throw new UserError(`environment variable DRS_ADMIN_TOKEN holds fewer than 16 characters (${token.length}): give an admin token of at least 16 (openssl rand -hex 24), or --config FILE`);
      }
      config = { tokens: [{ token, admin: true }] };
    }
    const port = numberFlag(values.port, 'port', { min: 0, integer: true });
    if (port !== undefined && port > 65535) throw new UserError(`--port expects a port number 0-65535, got '${values.port}'`);
    config = {
      ...config,
      ...(port !== undefined ? { port } : {}),
      ...(values.host !== undefined ? { host: values.host } : {}),
      ...(values.state !== undefined ? { stateFile: path.resolve(io.cwd, values.state) } : {}),
      ...(values.postgres !== undefined ? { postgres: { ...(config.postgres ?? {}), url: values.postgres } } : {}),
    };
    if (config.stateFile !== undefined && config.postgres !== undefined) throw new UserError('give either a SQLite state file (--state / stateFile) or PostgreSQL (--postgres / postgres), not both');
    if (config.tokens.length === 0) io.err('drs serve: warning: no tokens configured; every /v1 request will be refused (401)\n');

    const warnAtStart = (s: { readonly restoredTimedOut: number; readonly poolDrift: readonly string[] }): void => {
      if (s.restoredTimedOut > 0) io.err(`drs serve: warning: ${s.restoredTimedOut} queued request(s) in the state ended timed-out: this configuration has no wait queue (queue: false), so nothing would offer them capacity\n`);
      // The state wins over the config for a pool it already has (docs/serve.md): say where they differ.
      for (const d of s.poolDrift) io.err(`drs serve: warning: the config's ${d}; the stored pool is kept (change a running pool through the API)\n`);
    };
    const describe = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));
    let lost: ((why: string) => void) | undefined;
    let led = false;
    const server = await startServer(config, {
      schedulerOptions: { onBackgroundError: (e) => io.err(`drs serve: background error: ${describe(e)}\n`) },
      onInternalError: (e) => io.err(`drs serve: internal error: ${describe(e)}\n`),
      onLeadership: (e) => {
        if (e.kind === 'leading') {
          led = true;
          const s = server.scheduler;
          io.out(`drs serve: leading (term ${e.term}; state: ${s.store.description}; ${s.listPools().length} pool(s), ${s.allocationCount} allocation(s), ${s.queueLength} queued request(s) restored)`);
          warnAtStart(s);
        } else lost?.(e.why);
      },
    });
    if (server.role === 'standby') io.out(`drs serve: listening on ${server.url} as a standby (PostgreSQL); writes answer 503 with the leader's address until this replica leads`);
    else {
      const s = server.scheduler;
      io.out(`drs serve: listening on ${server.url} (state: ${s.store.description}; ${s.listPools().length} pool(s), ${s.allocationCount} allocation(s), ${s.queueLength} queued request(s) restored)`);
      warnAtStart(s);
    }

    const leadLost = new Promise<number>((resolve) => {
      lost = (why) => {
        io.err(`drs serve: ${led ? 'lost the lead' : 'stopped standing by'} (${why}); exiting so a supervisor restarts this replica as a standby\n`);
        void server.close().finally(() => resolve(3));
      };
    });
    const stopped = new Promise<number>((resolve) => {
      const stop = (signal: string): void => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        io.err(`drs serve: ${signal}, shutting down\n`);
        server.close().then(
          () => resolve(0),
          (e: unknown) => {
            io.err(`drs serve: error while closing: ${String(e)}\n`);
            resolve(0);
          },
        );
      };
      const onInt = (): void => stop('SIGINT');
      const onTerm = (): void => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    return Promise.race([stopped, leadLost]);
  },
};
