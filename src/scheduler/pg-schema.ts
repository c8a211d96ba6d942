import type pg from 'pg';

/**
 * The PostgreSQL schema of the shared store (version 5: version 1, the allocations' GPU devices
 * (2), the nodes' billing times (3), the SLO figures (4): `drs_waiting.slo`, what they still
 * owe a queued request, the counts as `drs_meta` key `slo`, and `billing_clock_ms`, the time
 * exported billing was last read at, and the leases' order among equal deadlines (5):
 * `drs_allocations.lease_seq`, `StoredAllocation.leaseSeq`; version 1 to 4 stores are upgraded in place), created or
 * upgraded by whichever replica starts first (under a transaction-level advisory lock, so replicas starting together do not
 * race). All tables start with `drs_`. `drs_leader` is one row: the current term and who holds
 * it. `drs_commit(term, changes)` applies one commit in one round trip, after checking, under a
 * row lock on `drs_leader`, that `term` is still the current one: the fencing that keeps a
 * deposed leader from writing. Preemption records are stored at the positions the leader gives
 * (`pre_at`: seq = position + 1; without it, a leader of an earlier version, by the sequence).
 * `drs_commit` is replaced at start only by a body of the same or a newer revision (COMMIT_FN_REVISION).
 */
export const PG_SCHEMA_VERSION = '5';
/** Advisory lock keys (per database): the leader's session lock, and the schema set-up lock. */
export const LEADER_LOCK_KEY = 4_452_530_001;
const SETUP_LOCK_KEY = 4_452_530_002;

const DDL = `
CREATE TABLE IF NOT EXISTS drs_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS drs_leader (id int PRIMARY KEY CHECK (id = 1), term bigint NOT NULL, holder text, address text, since timestamptz);
INSERT INTO drs_leader (id, term) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS drs_pools (idx int PRIMARY KEY, json text NOT NULL);
CREATE TABLE IF NOT EXISTS drs_nodes (id int PRIMARY KEY, pool int NOT NULL, status text NOT NULL, ready_at_ms float8, provisioned_at_ms float8, removed_at_ms float8);
CREATE TABLE IF NOT EXISTS drs_allocations (id text PRIMARY KEY, node_id int NOT NULL, start_ms float8 NOT NULL, lease_expiry_ms float8, borrowed boolean NOT NULL, request text NOT NULL, devices text, lease_seq bigint);
CREATE TABLE IF NOT EXISTS drs_preemptions (seq bigserial PRIMARY KEY, json text NOT NULL);
CREATE TABLE IF NOT EXISTS drs_waiting (id text PRIMARY KEY, seq bigint NOT NULL, enqueued_at_ms float8 NOT NULL, timeout_at_ms float8 NOT NULL, lease_ms float8, request text NOT NULL, slo text);
CREATE TABLE IF NOT EXISTS drs_ended (id text PRIMARY KEY, tenant text NOT NULL, how text NOT NULL, at_ms float8 NOT NULL, n bigserial);
CREATE TABLE IF NOT EXISTS drs_events (id bigint PRIMARY KEY, type text NOT NULL, tenant text, at_ms float8 NOT NULL, data text NOT NULL);
CREATE TABLE IF NOT EXISTS drs_audit (seq bigserial PRIMARY KEY, at_ms float8 NOT NULL, actor text NOT NULL, method text NOT NULL, route text NOT NULL, target text, status int NOT NULL, result text NOT NULL);

`;

/**
 * The revision of `drs_commit`'s body, written into the body (so it is read back from `pg_proc`,
 * whoever defined it): raise it with every change of the body. A start replaces a body of a lower
 * revision (or none: builds before revisions) and keeps a newer one, so the function no longer
 * flaps between builds during a rolling upgrade, and a newer body must accept what an older
 * leader sends (as `pre` without `pre_at` is). 1: `pre_at` (the preemption positions). 2: the
 * leases' sequence numbers (`lseq` in `aput` and `lease`; null from a leader of an earlier revision)
 * and the queue's committed head (`head`, `drs_meta` key `committed_head`).
 */
export const COMMIT_FN_REVISION = 2;

const COMMIT_FN = `
CREATE OR REPLACE FUNCTION drs_commit(p_term bigint, p jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
-- drs_commit revision ${COMMIT_FN_REVISION} (see COMMIT_FN_REVISION in pg-schema.ts)
DECLARE t bigint;
BEGIN
  SELECT term INTO t FROM drs_leader WHERE id = 1 FOR UPDATE;
  IF t IS DISTINCT FROM p_term THEN
    RAISE EXCEPTION 'drs fenced: this replica leads term % but the current term is %', p_term, t USING ERRCODE = 'DRS01';
  END IF;
  -- Each set is applied only if present: a group touches a few tables, and a statement costs
  -- its execution even when its set is empty.
  IF p ? 'dims' THEN
    INSERT INTO drs_meta (key, value) VALUES ('dimensions', p->>'dims') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  IF p ? 'slo' THEN
    INSERT INTO drs_meta (key, value) VALUES ('slo', p->>'slo') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  IF p ? 'billing_clock' THEN
    INSERT INTO drs_meta (key, value) VALUES ('billing_clock_ms', p->>'billing_clock') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  IF p ? 'head' THEN
    INSERT INTO drs_meta (key, value) VALUES ('committed_head', p->>'head') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  IF p ? 'pools' THEN
    INSERT INTO drs_pools (idx, json) SELECT x.idx, x.json FROM jsonb_to_recordset(p->'pools') AS x(idx int, json text)
      ON CONFLICT (idx) DO UPDATE SET json = EXCLUDED.json;
  END IF;
  IF p ? 'nodes' THEN
    INSERT INTO drs_nodes (id, pool, status, ready_at_ms, provisioned_at_ms, removed_at_ms)
      SELECT x.id, x.pool, x.status, x.ready, x.prov, x.rem FROM jsonb_to_recordset(p->'nodes') AS x(id int, pool int, status text, ready float8, prov float8, rem float8)
      ON CONFLICT (id) DO UPDATE SET pool = EXCLUDED.pool, status = EXCLUDED.status, ready_at_ms = EXCLUDED.ready_at_ms,
        -- COALESCE: a leader of the previous version (during a rolling upgrade) sends no times; keep the stored ones.
        provisioned_at_ms = COALESCE(EXCLUDED.provisioned_at_ms, drs_nodes.provisioned_at_ms), removed_at_ms = COALESCE(EXCLUDED.removed_at_ms, drs_nodes.removed_at_ms);
  END IF;
  IF p ? 'adel' THEN
    DELETE FROM drs_allocations WHERE id IN (SELECT jsonb_array_elements_text(p->'adel'));
  END IF;
  IF p ? 'aput' THEN
    INSERT INTO drs_allocations (id, node_id, start_ms, lease_expiry_ms, borrowed, request, devices, lease_seq)
      SELECT x.id, x.node, x.start, x.lease, x.borrowed, x.request, x.devices, x.lseq FROM jsonb_to_recordset(p->'aput') AS x(id text, node int, start float8, lease float8, borrowed boolean, request text, devices text, lseq bigint)
      ON CONFLICT (id) DO UPDATE SET node_id = EXCLUDED.node_id, start_ms = EXCLUDED.start_ms, lease_expiry_ms = EXCLUDED.lease_expiry_ms, borrowed = EXCLUDED.borrowed, request = EXCLUDED.request, devices = EXCLUDED.devices, lease_seq = EXCLUDED.lease_seq;
  END IF;
  IF p ? 'lease' THEN
    UPDATE drs_allocations a SET lease_expiry_ms = x.lease, lease_seq = x.lseq FROM jsonb_to_recordset(p->'lease') AS x(id text, lease float8, lseq bigint) WHERE a.id = x.id;
  END IF;
  IF p ? 'wdel' THEN
    DELETE FROM drs_waiting WHERE id IN (SELECT jsonb_array_elements_text(p->'wdel'));
  END IF;
  IF p ? 'wput' THEN
    INSERT INTO drs_waiting (id, seq, enqueued_at_ms, timeout_at_ms, lease_ms, request, slo)
      SELECT x.id, x.seq, x.enq, x.timeout, x.lease, x.request, x.slo FROM jsonb_to_recordset(p->'wput') AS x(id text, seq bigint, enq float8, timeout float8, lease float8, request text, slo text)
      ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, enqueued_at_ms = EXCLUDED.enqueued_at_ms, timeout_at_ms = EXCLUDED.timeout_at_ms, lease_ms = EXCLUDED.lease_ms, request = EXCLUDED.request, slo = EXCLUDED.slo;
  END IF;
  IF p ? 'ended' THEN
    INSERT INTO drs_ended (id, tenant, how, at_ms) SELECT x.id, x.tenant, x.how, x.at FROM jsonb_to_recordset(p->'ended') AS x(id text, tenant text, how text, at float8)
      ON CONFLICT (id) DO UPDATE SET tenant = EXCLUDED.tenant, how = EXCLUDED.how, at_ms = EXCLUDED.at_ms, n = nextval(pg_get_serial_sequence('drs_ended', 'n'));
  END IF;
  -- pre_at: each record's seq (its position in the log + 1), given by the leader; the sequence is
  -- moved past them for a leader of the previous version (nextval) and for the empty-table load.
  IF p ? 'pre_at' THEN
    INSERT INTO drs_preemptions (seq, json) SELECT (p->'pre_at'->>(e.i::int - 1))::bigint, e.value FROM jsonb_array_elements_text(p->'pre') WITH ORDINALITY AS e(value, i) ORDER BY e.i;
    PERFORM setval(pg_get_serial_sequence('drs_preemptions', 'seq'), GREATEST(
      (SELECT max(x::bigint) FROM jsonb_array_elements_text(p->'pre_at') AS x),
      COALESCE(pg_sequence_last_value(pg_get_serial_sequence('drs_preemptions', 'seq')), 0)));
  ELSIF p ? 'pre' THEN
    INSERT INTO drs_preemptions (json) SELECT e.value FROM jsonb_array_elements_text(p->'pre') WITH ORDINALITY AS e(value, i) ORDER BY e.i;
  END IF;
  IF p ? 'events' THEN
    INSERT INTO drs_events (id, type, tenant, at_ms, data) SELECT x.id, x.type, x.tenant, x.at, x.data FROM jsonb_to_recordset(p->'events') AS x(id bigint, type text, tenant text, at float8, data text);
  END IF;
  IF p ? 'audit' THEN
    INSERT INTO drs_audit (at_ms, actor, method, route, target, status, result)
      SELECT (e.v->>'at')::float8, e.v->>'actor', e.v->>'method', e.v->>'route', e.v->>'target', (e.v->>'status')::int, e.v->>'result'
      FROM jsonb_array_elements(p->'audit') WITH ORDINALITY AS e(v, i) ORDER BY e.i;
  END IF;
  IF p ? 'prune_events' THEN DELETE FROM drs_events WHERE id <= (p->>'prune_events')::bigint; END IF;
  IF p ? 'prune_pre' THEN DELETE FROM drs_preemptions WHERE seq <= (SELECT max(seq) FROM drs_preemptions) - (p->>'prune_pre')::bigint; END IF;
  IF p ? 'prune_audit' THEN DELETE FROM drs_audit WHERE seq <= (SELECT max(seq) FROM drs_audit) - (p->>'prune_audit')::bigint; END IF;
  -- Rejected ids and the others are kept apart, the newest N of each (see RecentlyEnded).
  IF p ? 'prune_ended' THEN
    DELETE FROM drs_ended WHERE id IN (SELECT id FROM drs_ended WHERE how = 'rejected' ORDER BY n DESC OFFSET (p->>'prune_ended')::bigint);
    DELETE FROM drs_ended WHERE id IN (SELECT id FROM drs_ended WHERE how <> 'rejected' ORDER BY n DESC OFFSET (p->>'prune_ended')::bigint);
  END IF;
END
$fn$;
`;

/**
 * Make the session's commits durable before they return: a write is acknowledged (HTTP 2xx, an
 * event streamed) once `drs_commit` returns, which with `synchronous_commit = off` (set for the
 * database or the role) comes before PostgreSQL has flushed the commit to its WAL, so a database
 * crash would lose acknowledged work. `off` is raised to `local` (flushed on this server); any
 * other setting is the operator's (`on`, `remote_apply`, … also wait for synchronous standbys).
 */
export async function requireDurableCommits(client: pg.ClientBase): Promise<void> {
  const r = await client.query<{ v: string }>(`SELECT current_setting('synchronous_commit') AS v`);
  if (r.rows[0]?.v === 'off') await client.query('SET synchronous_commit = local');
}

/** Create or upgrade the schema (idempotent; safe with several replicas starting at once). */
export async function ensurePgSchema(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK_KEY]);
    const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('drs_meta')::text AS t`);
    if (exists.rows[0]?.t != null) {
      const v = await client.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'schema'`);
      const version = v.rows[0]?.value;
      if (version !== undefined && !['1', '2', '3', '4', PG_SCHEMA_VERSION].includes(version)) throw new Error(`the PostgreSQL store has schema version ${version}; this drs reads versions 1 to ${PG_SCHEMA_VERSION}: upgrade drs`);
      // Version 1 → 2: the allocations' GPU devices (a JSON list of indexes on the node; null without).
      if (version === '1') await client.query('ALTER TABLE drs_allocations ADD COLUMN IF NOT EXISTS devices text');
      // Versions 1 and 2 → 3: the nodes' billing times (null in rows written before).
      if (version === '1' || version === '2') await client.query('ALTER TABLE drs_nodes ADD COLUMN IF NOT EXISTS provisioned_at_ms float8, ADD COLUMN IF NOT EXISTS removed_at_ms float8');
      // Versions 1 to 3 → 4: what the SLO figures owe each queued request (null in rows written before).
      if (version === '1' || version === '2' || version === '3') await client.query('ALTER TABLE drs_waiting ADD COLUMN IF NOT EXISTS slo text');
      // Versions 1 to 4 → 5: the leases' order among equal deadlines (null in rows written before).
      if (version !== undefined && version !== PG_SCHEMA_VERSION) await client.query('ALTER TABLE drs_allocations ADD COLUMN IF NOT EXISTS lease_seq bigint');
    }
    await client.query(DDL);
    // The body in place, if any, and its revision (0: none written, an older build's).
    const fn = await client.query<{ src: string | null }>(`SELECT prosrc AS src FROM pg_proc WHERE oid = to_regprocedure('drs_commit(bigint, jsonb)')`);
    const revision = Number(/-- drs_commit revision (\d+)/.exec(fn.rows[0]?.src ?? '')?.[1] ?? 0);
    if (fn.rows.length === 0 || revision <= COMMIT_FN_REVISION) await client.query(COMMIT_FN);
    await client.query(`INSERT INTO drs_meta (key, value) VALUES ('schema', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [PG_SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
