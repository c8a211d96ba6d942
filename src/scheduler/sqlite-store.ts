import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { NodeStatus } from '../core/cluster.js';
import type { PoolSpec } from '../core/model.js';
import { decodeRequest, encodeRequest, type StateChange, type StateStore, type StoredAllocation, type StoredNode, type StoredPool, type StoredState } from './store.js';
import type { PreemptionRecord } from './types.js';

/**
 * SQLite persistence (better-sqlite3, synchronous).
 *
 * - `journal_mode=WAL`: a commit appends to the write-ahead log; readers never block the writer.
 * - `synchronous=FULL`: the WAL is fsync'ed at every commit, so a commit that returned survives
 *   `kill -9` and power loss. Each scheduler operation is one transaction (`commit`), and the
 *   scheduler acknowledges an allocation only after its commit returned: every acknowledged
 *   allocation is durable, and an operation that crashed before its commit leaves no trace.
 *
 * Schema (version 1): meta(key, value), pools(idx, json), nodes(id, pool, status, ready_at_ms),
 * allocations(id, node_id, start_ms, lease_expiry_ms, borrowed, request), preemptions(seq, json).
 */
export class SqliteStore implements StateStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly stmts: {
    putMeta: Database.Statement;
    putPool: Database.Statement;
    putNode: Database.Statement;
    putAlloc: Database.Statement;
    delAlloc: Database.Statement;
    lease: Database.Statement;
    preempt: Database.Statement;
  };
  private readonly tx: (changes: readonly StateChange[]) => void;

  constructor(readonly path: string) {
    this.description = `sqlite:${path}`;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pools (idx INTEGER PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, pool INTEGER NOT NULL, status TEXT NOT NULL, ready_at_ms REAL);
      CREATE TABLE IF NOT EXISTS allocations (
        id TEXT PRIMARY KEY, node_id INTEGER NOT NULL, start_ms REAL NOT NULL,
        lease_expiry_ms REAL, borrowed INTEGER NOT NULL, request TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS preemptions (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
    `);
    const version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string } | undefined;
    if (version === undefined) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', '1')`).run();
    else if (version.value !== '1') throw new Error(`${path}: state schema version ${version.value} is not supported (expected 1)`);
    this.stmts = {
      putMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      putPool: this.db.prepare('INSERT OR REPLACE INTO pools (idx, json) VALUES (?, ?)'),
      putNode: this.db.prepare('INSERT OR REPLACE INTO nodes (id, pool, status, ready_at_ms) VALUES (?, ?, ?, ?)'),
      putAlloc: this.db.prepare('INSERT OR REPLACE INTO allocations (id, node_id, start_ms, lease_expiry_ms, borrowed, request) VALUES (?, ?, ?, ?, ?, ?)'),
      delAlloc: this.db.prepare('DELETE FROM allocations WHERE id = ?'),
      lease: this.db.prepare('UPDATE allocations SET lease_expiry_ms = ? WHERE id = ?'),
      preempt: this.db.prepare('INSERT INTO preemptions (json) VALUES (?)'),
    };
    this.tx = this.db.transaction((changes: readonly StateChange[]) => {
      for (const c of changes) this.apply(c);
    });
  }

  private apply(c: StateChange): void {
    const s = this.stmts;
    switch (c.kind) {
      case 'dimensions':
        s.putMeta.run('dimensions', JSON.stringify(c.names));
        return;
      case 'pool':
        s.putPool.run(c.pool.index, JSON.stringify({ spec: c.pool.spec, primary: c.pool.primary }));
        return;
      case 'node':
        s.putNode.run(c.node.id, c.node.pool, c.node.status, c.node.readyAtMs);
        return;
      case 'put-allocation': {
        const a = c.allocation;
        s.putAlloc.run(a.id, a.nodeId, a.startMs, a.leaseExpiryMs, a.borrowed ? 1 : 0, encodeRequest(a.request));
        return;
      }
      case 'delete-allocation':
        s.delAlloc.run(c.id);
        return;
      case 'lease':
        s.lease.run(c.leaseExpiryMs, c.id);
        return;
      case 'preemption':
        s.preempt.run(JSON.stringify(c.record));
        return;
    }
  }

  commit(changes: readonly StateChange[]): void {
    if (changes.length === 0) return;
    this.tx(changes);
  }

  load(): StoredState {
    const dims = this.db.prepare(`SELECT value FROM meta WHERE key = 'dimensions'`).get() as { value: string } | undefined;
    const pools = (this.db.prepare('SELECT idx, json FROM pools ORDER BY idx').all() as { idx: number; json: string }[]).map((row): StoredPool => {
      const v = JSON.parse(row.json) as { spec: PoolSpec; primary: string };
      return { index: row.idx, spec: v.spec, primary: v.primary };
    });
    const nodes = (this.db.prepare('SELECT id, pool, status, ready_at_ms FROM nodes ORDER BY id').all() as { id: number; pool: number; status: string; ready_at_ms: number | null }[]).map(
      (row): StoredNode => ({ id: row.id, pool: row.pool, status: row.status as NodeStatus, readyAtMs: row.ready_at_ms }),
    );
    const allocations = (
      this.db.prepare('SELECT id, node_id, start_ms, lease_expiry_ms, borrowed, request FROM allocations ORDER BY start_ms, id').all() as {
        id: string;
        node_id: number;
        start_ms: number;
        lease_expiry_ms: number | null;
        borrowed: number;
        request: string;
      }[]
    ).map(
      (row): StoredAllocation => ({
        id: row.id,
        nodeId: row.node_id,
        startMs: row.start_ms,
        leaseExpiryMs: row.lease_expiry_ms,
        borrowed: row.borrowed !== 0,
        request: decodeRequest(row.request),
      }),
    );
    const preemptions = (this.db.prepare('SELECT json FROM preemptions ORDER BY seq').all() as { json: string }[]).map((row) => JSON.parse(row.json) as PreemptionRecord);
    return { dimensions: dims === undefined ? null : (JSON.parse(dims.value) as string[]), pools, nodes, allocations, preemptions };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
