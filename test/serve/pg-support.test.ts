import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * The PostgreSQL tests return early when they get no database (the server is down and
 * DRS_REQUIRE_PG is not set). So the helper that hands it out must be checked on its own: in CI
 * (DRS_REQUIRE_PG=1) a database that never reaches the tests would pass them all vacuously.
 */
describe('usePgDatabase', () => {
  let db: FreshDatabase | undefined;
  usePgDatabase('support', 'the PostgreSQL test helper check', (d) => (db = d));

  it('hands the tests a fresh, empty database they can use (required under DRS_REQUIRE_PG=1)', async () => {
    if (process.env.DRS_REQUIRE_PG === '1') expect(db, 'DRS_REQUIRE_PG=1 but no database reached the tests').toBeDefined();
    if (db === undefined) return;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const tables = await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(tables.rows[0]).toEqual({ n: 0 });
      expect((await c.query('SELECT current_database() AS name')).rows[0]?.name).toMatch(/^drs_test_support_/);
    } finally {
      await c.end();
    }
  });
});
