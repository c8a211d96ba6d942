import type Database from 'better-sqlite3';
import { UserError } from '../core/errors.js';

/**
 * The tables of a SQLite state file (sqlite-store.ts), and their upgrade in place.
 *
 * Schema version 2: meta(key, value), pools(idx, json), nodes(id, pool, status, ready_at_ms),
 * allocations(id, node_id, start_ms, lease_expiry_ms, borrowed, request), preemptions(seq, json),
 * waiting(id, seq, enqueued_at_ms, timeout_at_ms, lease_ms, request), ended(id, tenant, how,
 * at_ms), events(id, type, tenant, at_ms, data), audit(seq, at_ms, actor, method, route, target,
 * status, result). Version 3 adds allocations.devices (the GPU devices held, a JSON list of indexes
 * on the node; null without). Version 4 adds nodes.provisioned_at_ms and nodes.removed_at_ms (the
 * billing times; null in rows written before). Version 5 adds waiting.slo (what the SLO figures
 * still owe a queued request: `WaitingSlo`; null in rows written before), the SLO counts (meta
 * key `slo`, JSON `SloCounts`) and the time exported billing was last read at (`billing_clock_ms`).
 * Version 6 adds allocations.lease_seq (the lease's place among equal deadlines:
 * `StoredAllocation.leaseSeq`; null without a lease, and in rows written before).
 * Version 1 files (no queue, ended ids, events or audit) and version 2 to 5 files are upgraded in place.
 */
export const SCHEMA_VERSION = '6';

const DDL = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS pools (idx INTEGER PRIMARY KEY, json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, pool INTEGER NOT NULL, status TEXT NOT NULL, ready_at_ms REAL, provisioned_at_ms REAL, removed_at_ms REAL);
  CREATE TABLE IF NOT EXISTS allocations (
    id TEXT PRIMARY KEY, node_id INTEGER NOT NULL, start_ms REAL NOT NULL,
    lease_expiry_ms REAL, borrowed INTEGER NOT NULL, request TEXT NOT NULL, devices TEXT, lease_seq INTEGER);
  CREATE TABLE IF NOT EXISTS preemptions (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS waiting (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, enqueued_at_ms REAL NOT NULL, timeout_at_ms REAL NOT NULL, lease_ms REAL, request TEXT NOT NULL, slo TEXT);
  CREATE TABLE IF NOT EXISTS ended (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, how TEXT NOT NULL, at_ms REAL NOT NULL);
  CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT NOT NULL, tenant TEXT, at_ms REAL NOT NULL, data TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms REAL NOT NULL, actor TEXT NOT NULL, method TEXT NOT NULL,
    route TEXT NOT NULL, target TEXT, status INTEGER NOT NULL, result TEXT NOT NULL);
`;

/** Create the tables a new file lacks, refuse a version this drs cannot read, upgrade an older one, and stamp the version. */
export function prepareSchema(db: Database.Database, path: string): void {
  db.exec(DDL);
  const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string } | undefined;
  if (version !== undefined && !['1', '2', '3', '4', '5', SCHEMA_VERSION].includes(version.value)) {
    throw new UserError(`state schema version ${version.value} is not supported (this version reads 1 to ${SCHEMA_VERSION}); upgrade drs`, { file: path });
  }
  // Versions 1 and 2 → 3: CREATE TABLE IF NOT EXISTS kept their allocations table as it was.
  const columns = db.prepare('PRAGMA table_info(allocations)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'devices')) db.exec('ALTER TABLE allocations ADD COLUMN devices TEXT');
  // Versions 1 to 5 → 6: the leases' order among equal deadlines.
  if (!columns.some((c) => c.name === 'lease_seq')) db.exec('ALTER TABLE allocations ADD COLUMN lease_seq INTEGER');
  // Versions 1 to 3 → 4: the nodes' billing times.
  const nodeColumns = db.prepare('PRAGMA table_info(nodes)').all() as { name: string }[];
  if (!nodeColumns.some((c) => c.name === 'provisioned_at_ms')) db.exec('ALTER TABLE nodes ADD COLUMN provisioned_at_ms REAL; ALTER TABLE nodes ADD COLUMN removed_at_ms REAL');
  // Versions 2 to 4 → 5: what the SLO figures owe each queued request (version 1 had no queue: created above).
  const waitingColumns = db.prepare('PRAGMA table_info(waiting)').all() as { name: string }[];
  if (!waitingColumns.some((c) => c.name === 'slo')) db.exec('ALTER TABLE waiting ADD COLUMN slo TEXT');
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)`).run(SCHEMA_VERSION);
}
