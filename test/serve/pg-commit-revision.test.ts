/**
 * `drs_commit` is (re)defined by every replica at start (ensurePgSchema), and the schema version
 * does not change with every change of its body (the preemption positions, `pre_at`, came within
 * version 4). During a rolling upgrade a replica of the older build starting (a standby restarted
 * by its supervisor) after one of the newer build put its own, older body back under the leader of
 * the newer build: the function flapped between builds, whichever replica started last winning,
 * and a newer leader's commits ran code that ignored what it sent (its `pre_at` positions: records
 * then went back to sequence positions, the bug `pre_at` fixed). The body now carries a revision,
 * and a start replaces it only with one at least as new.
 *
 * The test plays a newer build by putting a body of a higher revision in place (the current one
 * plus a marker it writes), then starts replicas of this build beside it, as a standby does
 * (PgLeadership.connect) and as a leader taking over does (PgStore.open); the leader's next commit
 * must still run the newer body.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { COMMIT_FN_REVISION } from '../../src/scheduler/pg-schema.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

let db: FreshDatabase | undefined;
usePgDatabase('commitrev', 'the PostgreSQL drs_commit revision test', (d) => (db = d));

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

const bodyOf = (c: pg.Client): Promise<string> =>
  c.query<{ src: string }>(`SELECT prosrc AS src FROM pg_proc WHERE oid = to_regprocedure('drs_commit(bigint, jsonb)')`).then((r) => r.rows[0]?.src as string);

const define = (c: pg.Client, src: string): Promise<unknown> => c.query(`CREATE OR REPLACE FUNCTION drs_commit(p_term bigint, p jsonb) RETURNS void LANGUAGE plpgsql AS $fn$${src}$fn$`);

describe('PostgreSQL: drs_commit across builds', () => {
  it('a replica of this build starting beside a newer one keeps the newer drs_commit', async () => {
    if (db === undefined) return;
    const url = db.url;
    const lead = await PgLeadership.connect(url, 'http://new');
    const term = (await lead.tryAcquire()) as number;
    const store = await PgStore.open(url, term);
    let standby: PgLeadership | undefined;
    let takeover: PgStore | undefined;
    try {
      // The newer build's body: a higher revision, and a marker showing it ran.
      await withClient(url, async (c) => {
        const src = (await bodyOf(c)).replace(/drs_commit revision \d+/, 'drs_commit revision 999');
        const end = src.lastIndexOf('END');
        await define(c, `\n-- drs_commit revision 999${src.slice(0, end)}INSERT INTO drs_meta (key, value) VALUES ('newer_ran', 'yes') ON CONFLICT (key) DO NOTHING;\n${src.slice(end)}`);
      });
      // Replicas of this build start: a standby, and a store opened as a takeover does.
      standby = await PgLeadership.connect(url, 'http://old');
      takeover = await PgStore.open(url, 0);
      await store.commitAsync([{ kind: 'billing-clock', atMs: 1_000 }]);
      const ran = await withClient(url, (c) => c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'newer_ran'`));
      expect(ran.rows.map((r) => r.value)).toEqual(['yes']);
      expect(await withClient(url, bodyOf)).toMatch(/drs_commit revision 999/);
    } finally {
      await takeover?.close();
      await standby?.stop();
      await store.close();
      await lead.stop();
    }
  }, 60_000);

  it('an older body (a lower revision, or none: builds before revisions) is replaced at start', async () => {
    if (db === undefined) return;
    const url = db.url;
    for (const older of ['', `\n-- drs_commit revision ${COMMIT_FN_REVISION - 1}`]) {
      await withClient(url, async (c) => {
        const src = older + (await bodyOf(c)).replace(/\n-- drs_commit revision \d+[^\n]*/g, '');
        await define(c, src);
      });
      const store = await PgStore.open(url, 0);
      await store.close();
      expect(await withClient(url, bodyOf)).toContain(`-- drs_commit revision ${COMMIT_FN_REVISION}`);
    }
  }, 60_000);
});
