import type { FastifyInstance } from 'fastify';
import { UserError } from '../../core/errors.js';
import type { ServeConfig } from '../config.js';
import { PgLeadership } from '../pg-leader.js';
import { PgStore } from '../pg-store.js';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../scheduler.js';
import { SqliteStore } from '../sqlite-store.js';
import type { StateStore } from '../store.js';
import { buildApp, type ServePlugin } from './app.js';
import { SchedulerHolder, type Role } from './holder.js';

export interface ServerHandle {
  /** `http://host:port` the server listens on. */
  readonly url: string;
  readonly port: number;
  /** The scheduler (throws on a standby replica: use `whenLeader`). */
  readonly scheduler: ResourceScheduler;
  readonly role: Role;
  /** Resolves once this replica leads (at once without PostgreSQL), with the time it took to take the lead. */
  readonly whenLeader: Promise<ResourceScheduler>;
  readonly app: FastifyInstance;
  /** Stop listening, end event streams, commit what is staged, close the store, give up the lead. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Use this scheduler instead of building one from the config (its pools/strategy settings are then ignored). */
  readonly scheduler?: ResourceScheduler;
  /** Extra scheduler options (clock, timers, scaling policy, ...) merged over the config's. */
  readonly schedulerOptions?: Partial<ResourceSchedulerOptions>;
  /** Extra /v1 routes (same auth, limits and durability as the service's), e.g. `agentRoutes(agents)` from src/agents. */
  readonly plugins?: readonly ServePlugin[];
  /** Called with every error answered 500 (a bug or a failed commit); `drs serve` prints it. */
  readonly onInternalError?: (error: unknown) => void;
  /** PostgreSQL replicas: this replica took the lead (term), or lost it (why). `drs serve` logs both and exits on a loss. */
  readonly onLeadership?: (e: { readonly kind: 'leading'; readonly term: number } | { readonly kind: 'lost'; readonly why: string }) => void;
}

/** Build the scheduler a config describes, on `store` (default: SQLite if `stateFile`, else memory). */
export async function createSchedulerFromConfig(config: ServeConfig, extra: Partial<ResourceSchedulerOptions> = {}, given?: StateStore): Promise<ResourceScheduler> {
  const retention = config.retention !== undefined ? { retention: config.retention } : {};
  const store = given ?? (config.stateFile !== undefined ? new SqliteStore(config.stateFile, { ...(config.sqliteWriter !== undefined ? { writer: config.sqliteWriter } : {}), ...retention }) : undefined);
  try {
    return await ResourceScheduler.create({
      ...(config.dimensions !== undefined ? { dimensions: config.dimensions } : {}),
      ...(config.strategy !== undefined ? { strategy: config.strategy } : {}),
      ...(config.preemption !== undefined ? { preemption: config.preemption } : {}),
      ...(config.queue !== undefined ? { queue: config.queue } : {}),
      ...(config.defaultLeaseMs !== undefined ? { defaultLeaseMs: config.defaultLeaseMs } : {}),
      ...(config.sloWaitMs !== undefined ? { sloWaitMs: config.sloWaitMs } : {}),
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      ...(config.quotas !== undefined ? { quotas: config.quotas } : {}),
      ...(config.scaling !== undefined ? { scaling: config.scaling } : {}),
      ...(config.pools !== undefined ? { pools: config.pools } : {}),
      ...(config.retention?.preemptions !== undefined ? { preemptionLimit: config.retention.preemptions } : {}),
      ...(store !== undefined ? { store } : {}),
      // Group commit pays off with a disk or a database; in memory a commit is a map update.
      durability: (store as StateStore | undefined)?.asyncOnly === true ? 'group' : (config.durability ?? (store !== undefined ? 'group' : 'per-operation')),
      ...extra,
    });
  } catch (e) {
    await store?.close();
    throw e;
  }
}

/**
 * Start the service: listen on host:port (default 127.0.0.1:8080; port 0 picks a free one).
 * With a state file or in memory, the scheduler is built (restoring its state) before listening.
 * With `postgres`, the replica listens at once as a standby (503 + the leader's address) and
 * takes the lead when it can: then it loads the shared state and serves.
 */
export async function startServer(config: ServeConfig, options: StartServerOptions = {}): Promise<ServerHandle> {
  const pgc = config.postgres;
  const holder = new SchedulerHolder(pgc === undefined ? (options.scheduler ?? (await createSchedulerFromConfig(config, options.schedulerOptions))) : undefined);
  const { app, streams } = buildApp(config, holder, options.onInternalError, options.plugins);
  const host = config.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: config.port ?? 8080 });
  } catch (e) {
    await holder.maybe?.shutdown();
    throw listenError(e, host, config.port ?? 8080);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : (config.port ?? 8080);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let leadership: PgLeadership | undefined;
  let closed = false;
  let firstPoll = Promise.resolve();
  if (pgc !== undefined) {
    const own = pgc.advertiseUrl ?? url;
    try {
      leadership = await PgLeadership.connect(pgc.url, own);
    } catch (e) {
      await app.close();
      throw e;
    }
    const lead = leadership;
    let gaveUp = false;
    // Stop answering at once (the scheduler's commits would fail the term check anyway). With
    // `release`, also end the lock session, so that a standby takes the lead now rather than when
    // this process exits: a leader whose scheduler stopped (a failed commit, e.g. its database
    // connection was cut) must not keep the lead it can no longer use.
    const giveUp = (why: string, release: boolean): void => {
      if (gaveUp || closed) return;
      gaveUp = true;
      const s = holder.depose();
      streams.closeAll();
      s?.close();
      if (release) void lead.stop();
      options.onLeadership?.({ kind: 'lost', why });
    };
    lead.onLost((why) => giveUp(why, false));
    // Listening is announced once the first attempt is over, so that a standby's first 503 names
    // the leader (a replica that took the lead names itself while it loads the state).
    let polled = (): void => {};
    firstPoll = new Promise<void>((resolve) => (polled = resolve));
    let standingBy = true;
    void (async () => {
      const term = await lead.acquire(pgc.pollIntervalMs ?? 500, (leader) => {
        holder.leaderUrl = leader;
        polled();
      });
      standingBy = false;
      holder.leaderUrl = own;
      polled();
      const store = await PgStore.open(pgc.url, term, config.retention !== undefined ? { retention: config.retention } : {});
      // The lead may be lost while the state loads (the lock session cut): then never serve.
      if (closed || gaveUp) {
        await store.close();
        return;
      }
      const s = await createSchedulerFromConfig(config, options.schedulerOptions, store);
      s.onFailure((e) => giveUp(`the scheduler stopped: ${e instanceof Error ? e.message : String(e)}`, true));
      await s.durable();
      if (closed || gaveUp) {
        await s.shutdown().catch(() => {});
        return;
      }
      holder.promote(s, own);
      options.onLeadership?.({ kind: 'leading', term });
    })().catch((e: unknown) => {
      polled();
      if (closed) return;
      const why = e instanceof Error ? e.message : String(e);
      // A standby whose database session failed (the database restarted or unreachable, the
      // session terminated) has no bug to report, only a session to reconnect: it stops, as a
      // leader does, for its supervisor to restart it, without an internal error's stack trace.
      if (standingBy) {
        giveUp(`the standby's database session failed: ${why}`, true);
        return;
      }
      options.onInternalError?.(e);
      giveUp(`could not take the lead: ${why}`, true);
    });
  }

  await firstPoll;
  return {
    url,
    port,
    get scheduler() {
      return holder.get();
    },
    get role() {
      return holder.role;
    },
    whenLeader: holder.whenReady(),
    app,
    async close() {
      if (closed) return;
      closed = true;
      streams.closeAll();
      await app.close();
      await holder.maybe?.shutdown();
      await leadership?.stop();
    },
  };
}

/** A socket error on listening in words (a busy port, a privileged port, an address not on this host). */
function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new UserError(`cannot listen on ${at}: the port is in use (another drs serve?); stop it or give another --port`, { field: 'port' });
    case 'EACCES':
      return new UserError(`cannot listen on ${at}: permission denied (ports below 1024 need privileges); give --port 1024 or above`, { field: 'port' });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new UserError(`cannot listen on ${at}: no such address on this machine; check --host`, { field: 'host' });
    default:
      return e;
  }
}
