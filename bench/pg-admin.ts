import pg from 'pg';

/** The PostgreSQL server the benches create their databases on (trust auth on this machine). */
export const PG_ADMIN = process.env.DRS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Run one administrative statement (CREATE/DROP DATABASE) on its own connection. */
export async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** CREATE DATABASE `name` and return its URL (the admin URL with that database). Drop it with pgAdmin. */
export async function createDatabase(name: string): Promise<string> {
  await pgAdmin(`CREATE DATABASE ${name}`);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}
