import pg from 'pg';

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
