import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { PgStore } from '../../src/scheduler/pg-store.js';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { TEAM_A, TOKENS, call, listAll } from '../scheduler/helpers.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';
import { openStream, until } from './sse-client.js';

/**
 * A leader whose scheduler stops gives up the lead. Here its database connection for commits is
 * cut (an administrator's pg_terminate_backend, idle_session_timeout, a proxy closing idle
 * connections) while its lock session lives on: the next commit fails and the scheduler stops.
 * Before, the replica kept the advisory lock, so no standby could take over and every write
 * answered 500 until someone restarted it by hand. Now it ends its lock session and reports the
 * lead lost (drs serve exits 3), and the standby takes over with everything committed before.
 */
let db: FreshDatabase | undefined;
usePgDatabase('broken', 'the PostgreSQL broken-leader test', (d) => (db = d));

describe('a PostgreSQL leader whose scheduler stops', () => {
  it('gives up the lead (its lock session ends), and the standby takes over with every acknowledged allocation', async () => {
    if (db === undefined) return;
    const config: ServeConfig = { tokens: TOKENS, postgres: { url: db.url, pollIntervalMs: 100 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 2 }] };
    const lost: string[] = [];
    const a = await startServer({ ...config, port: 0 }, { onLeadership: (e) => (e.kind === 'lost' ? lost.push(e.why) : undefined) });
    let b: ServerHandle | undefined;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await a.whenLeader;
      b = await startServer({ ...config, port: 0 });
      expect(b.role).toBe('standby');
      for (const id of ['one', 'two']) expect((await call(a.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id, units: 1 } })).status).toBe(201);
      const stream = openStream(a.url, TEAM_A, 0);
      expect(await stream.status).toBe(200);

      // Cut the leader's commit connection (the backend that last ran drs_commit), not its lock session.
      const cut = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT drs_commit%'`);
      expect(cut.rows).toEqual([{ ok: true }]);
      const failed = await call(a.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'three', units: 1 } });
      // Not acknowledged, and answered as a failover, not as a crash: 503 `not-leader` with
      // Retry-After, which clients already retry on the leader (docs/serve.md, "Clients"); a 500
      // saying "restart the service" made a client give up on a request the standby would take.
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe('not-leader');
      expect(failed.body.error.message).toMatch(/may not have been committed.*retry/);
      expect(failed.headers.get('retry-after')).toBe('1');

      await until(() => lost.length > 0, 15_000, 'the leader to give up the lead');
      expect(lost[0]).toMatch(/the scheduler stopped/);
      expect(a.role).toBe('deposed');
      expect(await stream.ended).toBe('ended'); // its event streams end: clients reconnect to the new leader
      // The lock is released at once (not when the process exits): the standby leads within a few polls.
      await until(() => b?.role === 'leader', 15_000, 'the standby to take the lead');
      const ids = (await listAll(b.url, '/v1/allocations?state=allocated', TEAM_A)).map((x: { id: string }) => x.id).sort();
      expect(ids).toEqual(['one', 'two']);
      expect((await call(b.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'three', units: 1 } })).status).toBe(201);
      const deposed = await call(a.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'four', units: 1 } });
      expect(deposed.status).toBe(503);
      expect(deposed.body.error.code).toBe('not-leader');
    } finally {
      await admin.end();
      await b?.close();
      await a.close();
    }
  }, 60_000);

  it('does not start serving when its lead is lost while it loads the state', async () => {
    if (db === undefined) return;
    const config: ServeConfig = { tokens: TOKENS, postgres: { url: db.url, pollIntervalMs: 100 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 2 }] };
    const events: string[] = [];
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const open = PgStore.open.bind(PgStore);
    let loading: () => void = () => {};
    const loadingStarted = new Promise<void>((r) => (loading = r));
    let proceed: () => void = () => {};
    const cutDone = new Promise<void>((r) => (proceed = r));
    // How the old replica's load ended: the store it opened was closed (it gave up), or the open failed.
    let loadEnded: string | undefined;
    const spy = vi.spyOn(PgStore, 'open').mockImplementation(async (url: string, term: number) => {
      loading();
      await cutDone; // the lock session is cut while this replica loads the state
      let store: PgStore;
      try {
        store = await open(url, term);
      } catch (e) {
        loadEnded = `open failed: ${String(e)}`;
        throw e;
      }
      const close = store.close.bind(store);
      store.close = async () => {
        loadEnded ??= 'store closed';
        return close();
      };
      return store;
    });
    let a: ServerHandle | undefined;
    let b: ServerHandle | undefined;
    try {
      a = await startServer({ ...config, port: 0 }, { onLeadership: (e) => events.push(e.kind) });
      await loadingStarted;
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      await until(() => events.includes('lost'), 15_000, 'the lead to be reported lost');
      spy.mockRestore();
      b = await startServer({ ...config, port: 0 });
      await b.whenLeader;
      proceed(); // the old replica's load finishes after the standby took the next term
      // Wait for that load to end, not for a time: it either closes what it opened (gives up:
      // nothing can follow) or, wrongly, goes on to lead and says so.
      await until(() => loadEnded !== undefined || events.length > 1, 15_000, "the old replica's load to end");
      expect(events).toEqual(['lost']); // never 'leading' after 'lost'
      expect(a.role).toBe('deposed');
      const r = await call(a.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'x', units: 1 } });
      expect(r.status).toBe(503);
      expect((await call(b.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'x', units: 1 } })).status).toBe(201);
    } finally {
      spy.mockRestore();
      proceed();
      await admin.end();
      await b?.close();
      await a?.close();
    }
  }, 60_000);
  it('a standby whose database session fails stops without an internal error, and the leader serves on', async () => {
    if (db === undefined) return;
    const config: ServeConfig = { tokens: TOKENS, postgres: { url: db.url, pollIntervalMs: 100 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 2 }] };
    const lost: string[] = [];
    const internal: unknown[] = [];
    const a = await startServer({ ...config, port: 0 });
    let b: ServerHandle | undefined;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await a.whenLeader;
      b = await startServer({ ...config, port: 0 }, { onLeadership: (e) => (e.kind === 'lost' ? lost.push(e.why) : undefined), onInternalError: (e) => internal.push(e) });
      expect(b.role).toBe('standby');
      // The standby's session: polling for the lock, not holding it (the database restarted, a proxy cut it).
      const cut = await admin.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted) AND (query LIKE '%pg_try_advisory_lock%' OR query LIKE 'SELECT address%')`,
      );
      expect(cut.rows).toEqual([{ ok: true }]);
      await until(() => lost.length > 0, 15_000, 'the standby to stop');
      // Was: "could not take the lead: ...", with the error's stack printed as an internal error by drs serve.
      expect(lost[0]).toMatch(/^the standby's database session failed: /);
      expect(internal).toEqual([]);
      expect(b.role).toBe('deposed');
      expect((await call(a.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'after', units: 1 } })).status).toBe(201);
    } finally {
      await admin.end();
      await b?.close();
      await a.close();
    }
  }, 60_000);
});
