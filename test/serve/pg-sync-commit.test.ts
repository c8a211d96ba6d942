/**
 * An answer leaves only after its commit is durable: on PostgreSQL that is when `drs_commit`
 * returns, but only if the commit waited for the WAL flush. With `synchronous_commit = off` (set
 * for the database or the role, a common tuning) PostgreSQL answers before the flush, and a
 * database crash loses commits drs has acknowledged (HTTP 201) and events it has streamed. The
 * store's connections therefore commit with at least `local` (the WAL flushed on the server);
 * a stronger setting the operator chose (`on`, `remote_apply`: waiting for standbys) is kept.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

let db: FreshDatabase | undefined;
usePgDatabase('synccommit', 'the PostgreSQL synchronous_commit test', (d) => (db = d));

async function alterDatabase(url: string, value: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const name = new URL(url).pathname.slice(1);
    await c.query(`ALTER DATABASE ${name} SET synchronous_commit = ${value}`);
  } finally {
    await c.end();
  }
}

/** The setting a connection of `store` commits with (its writer's). */
async function writerSetting(store: PgStore): Promise<string> {
  const writer = (store as unknown as { writer: pg.Client }).writer;
  return (await writer.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit as string;
}

describe('PostgreSQL: commits wait for the WAL flush', () => {
  it('commits durably on a database set to synchronous_commit = off, and keeps a stronger setting', async () => {
    if (db === undefined) return;
    await alterDatabase(db.url, 'off');
    const store = await PgStore.open(db.url, 0);
    const lead = await PgLeadership.connect(db.url, 'http://one');
    try {
      expect(await writerSetting(store)).toBe('local');
      const session = (lead as unknown as { session: pg.Client }).session;
      expect((await session.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit).toBe('local');
    } finally {
      await store.close();
      await lead.stop();
    }
    await alterDatabase(db.url, 'remote_apply');
    const strong = await PgStore.open(db.url, 0);
    try {
      expect(await writerSetting(strong)).toBe('remote_apply');
    } finally {
      await strong.close();
    }
  }, 60_000);
});
