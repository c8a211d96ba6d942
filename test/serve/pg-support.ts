import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** The PostgreSQL server tests use (trust auth on loopback; `scripts/local-postgres.sh` starts one). */
export const PG_ADMIN_URL = process.env.DRS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Is the server up? (Tests that need it fail with this reason in CI, where .ci/run starts it.) */
export async function pgAvailable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${e instanceof Error ? e.message : String(e)}); start it with scripts/local-postgres.sh`;
  } finally {
    await c.end().catch(() => {});
  }
}

/** A fresh database for one test file; `drop()` removes it (and ends its sessions). */
export async function freshDatabase(tag: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `drs_test_${tag}_${process.pid}_${Date.now() % 1_000_000}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** What `freshDatabase` gives: the database's URL and how to drop it. */
export type FreshDatabase = Awaited<ReturnType<typeof freshDatabase>>;

/**
 * A fresh database for the enclosing file or describe block: made before its tests (handed to
 * `use`), dropped after them. When the server is down the tests find none (each returns early) and
 * the reason is printed, naming `what`; under DRS_REQUIRE_PG=1 (.ci/run starts PostgreSQL and
 * sets it) the setup fails with the reason instead, so CI never skips them.
 */
export function usePgDatabase(tag: string, what: string, use: (db: FreshDatabase) => void): void {
  let db: FreshDatabase | undefined;
  beforeAll(async () => {
    const skip = await pgAvailable();
    if (skip !== undefined) {
      if (process.env.DRS_REQUIRE_PG === '1') throw new Error(skip);
      console.warn(`skipping ${what}: ${skip}`);
      return;
    }
    db = await freshDatabase(tag);
    use(db);
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  }, 60_000);
}
