import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { NodeStatus } from '../core/cluster.js';
import type { PoolSpec } from '../core/model.js';
import { Checkpointer, CHECKPOINT_BYTES, CommitGate, WalFlusher } from './sqlite-flush.js';
import { UserError } from '../core/errors.js';
import { makeFolder } from '../core/folders.js';
import { prepareSchema } from './sqlite-schema.js';
import { StateLock } from './state-lock.js';
import {
  ENDED_RETENTION,
  EVENT_RETENTION,
  PRUNE_CHUNK,
  retentionOf,
  type Retention,
  type AuditQuery,
  type AuditRecord,
  type EventRecord,
  type EventType,
  type StateChange,
  type StateStore,
  type StoredAllocation,
  type StoredEnded,
  type StoredNode,
  type StoredPool,
  type StoredState,
  type StoredWaiting,
} from './store.js';
import { decodeCommittedHead, decodeDevices, decodeLeaseSeq, decodeRequest, decodeSloCounts, decodeTime, decodeWaitingSlo, encodeRequest, lastEventIn } from './store-codec.js';
import type { EndedHow, PreemptionRecord } from './types.js';

/**
 * SQLite persistence (better-sqlite3).
 *
 * - Exclusive: `<file>.lock` (StateLock) is taken before the database is opened; a second
 *   process is refused with the holder's pid and never touches the file.
 * - `journal_mode=WAL`, `synchronous=FULL`: the WAL is fsync'ed at every commit, so a commit that
 *   returned survives `kill -9` and power loss. Each commit is one transaction.
 * - `writer: 'thread'` (default): the transaction runs on the calling thread without an fsync
 *   (`synchronous=NORMAL`), and the WalFlusher (sqlite-flush.ts) fdatasyncs the WAL on a libuv
 *   thread: `commit` waits for that fdatasync (per-operation durability), `commitAsync` (group
 *   commit) resolves once it has completed, so the fsync never blocks the event loop. Group
 *   commits are pipelined: the next one is applied while the previous one's fdatasync runs.
 *   Checkpoints run on a worker thread. `writer: 'inline'`: `synchronous=FULL`, every commit
 *   fsyncs on the calling thread (the behaviour before issue 12; kept for the benchmark).
 * - The tables, their versions and the upgrade of older files: sqlite-schema.ts.
 */

const SQL = {
  putMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
  putPool: 'INSERT OR REPLACE INTO pools (idx, json) VALUES (?, ?)',
  putNode: 'INSERT OR REPLACE INTO nodes (id, pool, status, ready_at_ms, provisioned_at_ms, removed_at_ms) VALUES (?, ?, ?, ?, ?, ?)',
  putAlloc: 'INSERT OR REPLACE INTO allocations (id, node_id, start_ms, lease_expiry_ms, borrowed, request, devices, lease_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  delAlloc: 'DELETE FROM allocations WHERE id = ?',
  lease: 'UPDATE allocations SET lease_expiry_ms = ?, lease_seq = ? WHERE id = ?',
  preempt: 'INSERT INTO preemptions (json) VALUES (?)',
  putWaiting: 'INSERT OR REPLACE INTO waiting (id, seq, enqueued_at_ms, timeout_at_ms, lease_ms, request, slo) VALUES (?, ?, ?, ?, ?, ?, ?)',
  delWaiting: 'DELETE FROM waiting WHERE id = ?',
  // Delete first so the row moves to the end of the rowid order (ended ids are kept newest last).
  delEnded: 'DELETE FROM ended WHERE id = ?',
  putEnded: 'INSERT INTO ended (id, tenant, how, at_ms) VALUES (?, ?, ?, ?)',
  // Rejected ids and the others are kept apart, the newest N of each (see RecentlyEnded).
  pruneEnded: `DELETE FROM ended WHERE rowid IN (SELECT rowid FROM ended WHERE (how = 'rejected') = ? ORDER BY rowid DESC LIMIT -1 OFFSET ?)`,
  event: 'INSERT INTO events (id, type, tenant, at_ms, data) VALUES (?, ?, ?, ?, ?)',
  pruneEvents: 'DELETE FROM events WHERE id <= ?',
  audit: 'INSERT INTO audit (at_ms, actor, method, route, target, status, result) VALUES (?, ?, ?, ?, ?, ?, ?)',
  // The logs whose history is kept (Retention): the newest N rows stay.
  prunePreemptions: 'DELETE FROM preemptions WHERE seq <= (SELECT MAX(seq) FROM preemptions) - ?',
  pruneAudit: 'DELETE FROM audit WHERE seq <= (SELECT MAX(seq) FROM audit) - ?',
} as const;
type StmtKey = keyof typeof SQL;
type Op = [StmtKey, (string | number | null)[]];

export class SqliteStore implements StateStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly stmts: Record<StmtKey, Database.Statement>;
  private readonly tx: (ops: readonly Op[]) => number;
  private readonly lock: StateLock | undefined;
  private readonly flusher: WalFlusher | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly gate: CommitGate | undefined;
  readonly pipelined: boolean;
  /** Id of the last event known durable (readEvents shows no later one). */
  private durableEventId = 0;
  /** Seq of the last audit record known durable (readAudit shows no later one). */
  private durableAuditSeq = 0;
  private endedWrites = 0;
  private preemptionWrites = 0;
  private auditWrites = 0;
  private readonly retention: { readonly preemptions: number; readonly audit: number | null };

  /**
   * `writer: 'thread'` (default): fsyncs on a libuv thread, checkpoints on a worker thread.
   * `'inline'`: every commit fsyncs on the calling thread (the behaviour before issue 12; kept for
   * comparison in the benchmark). An in-memory database (`:memory:`) has nothing to fsync.
   * `checkpointBytes`: WAL size from which the worker checkpoints (default CHECKPOINT_BYTES).
   * `retention`: how many preemption and audit records it keeps (see Retention).
   */
  constructor(
    readonly path: string,
    options: { readonly writer?: 'thread' | 'inline'; readonly checkpointBytes?: number; readonly retention?: Retention } = {},
  ) {
    this.description = `sqlite:${path}`;
    this.retention = retentionOf(options.retention);
    if (path !== ':memory:') {
      if (existsSync(path) && statSync(path).isDirectory()) throw new UserError(`this is a folder; give a state file path (e.g. ${path.replace(/\/$/, '')}/state.db)`, { file: path });
      makeFolder(dirname(path), 'the state file', { file: path });
      this.lock = StateLock.acquire(path);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      this.db = db;
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      prepareSchema(this.db, path);
      this.stmts = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, this.db.prepare(sql)])) as Record<StmtKey, Database.Statement>;
      // Returns the seq of the last audit record written (0: none), for readAudit's durable bound.
      this.tx = this.db.transaction((ops: readonly Op[]): number => {
        let audit = 0;
        for (const [k, args] of ops) {
          const r = this.stmts[k].run(...args);
          if (k === 'audit') audit = Number(r.lastInsertRowid);
        }
        return audit;
      });
      this.durableEventId = (this.db.prepare('SELECT MAX(id) AS id FROM events').get() as { id: number | null }).id ?? 0;
      this.durableAuditSeq = (this.db.prepare('SELECT MAX(seq) AS seq FROM audit').get() as { seq: number | null }).seq ?? 0;
      // The set-up above committed with synchronous=FULL (SQLite then also fsyncs the directory
      // of a new WAL file); from here on the WalFlusher does the fsyncs.
      const wal = (this.db.pragma('journal_mode', { simple: true }) as string) === 'wal';
      if (options.writer !== 'inline' && wal) {
        this.db.pragma('synchronous = NORMAL');
        this.db.pragma('wal_autocheckpoint = 0');
        const limit = options.checkpointBytes ?? CHECKPOINT_BYTES;
        // The WAL file keeps its size when SQLite reuses it from the start; truncated back to
        // `limit` then, its size tells whether the log has outgrown `limit` since.
        this.db.pragma(`journal_size_limit = ${Math.floor(limit)}`);
        const checkpointer = new Checkpointer(path);
        this.flusher = new WalFlusher(`${path}-wal`, () => {
          try {
            const bytes = (this.flusher as WalFlusher).walBytes();
            if (bytes > 4 * limit && !checkpointer.running) {
              // The worker's checkpoints could not catch up: one here, where no write runs beside it.
              this.db.pragma('wal_checkpoint(PASSIVE)');
              this.loopCheckpoints++;
            } else if (bytes > limit) checkpointer.request();
          } catch (e) {
            // A checkpoint loses nothing if it fails (the WAL keeps the commits); retried after the next flush.
            checkpointer.lastError = e instanceof Error ? e.message : String(e);
          }
        });
        const flusher = this.flusher;
        this.gate = new CommitGate(flusher, checkpointer, () => this.db.open && flusher.walBytes() > limit);
        this.checkpointer = checkpointer;
      }
    } catch (e) {
      if (db?.open === true) db.close();
      this.lock?.release();
      throw openError(e, path);
    }
    this.pipelined = this.flusher !== undefined;
    if (this.flusher === undefined) this.commitAsync = undefined;
  }

  /** Changes → statements (the same for both commit paths). */
  private encode(changes: readonly StateChange[]): Op[] {
    const ops: Op[] = [];
    for (const c of changes) {
      switch (c.kind) {
        case 'dimensions':
          ops.push(['putMeta', ['dimensions', JSON.stringify(c.names)]]);
          break;
        case 'pool':
          ops.push(['putPool', [c.pool.index, JSON.stringify({ spec: c.pool.spec, primary: c.pool.primary })]]);
          break;
        case 'node':
          ops.push(['putNode', [c.node.id, c.node.pool, c.node.status, c.node.readyAtMs, c.node.provisionedAtMs, c.node.removedAtMs]]);
          break;
        case 'put-allocation': {
          const a = c.allocation;
          ops.push(['putAlloc', [a.id, a.nodeId, a.startMs, a.leaseExpiryMs, a.borrowed ? 1 : 0, encodeRequest(a.request), a.devices === undefined ? null : JSON.stringify(a.devices), a.leaseSeq ?? null]]);
          break;
        }
        case 'delete-allocation':
          ops.push(['delAlloc', [c.id]]);
          break;
        case 'lease':
          ops.push(['lease', [c.leaseExpiryMs, c.leaseSeq ?? null, c.id]]);
          break;
        case 'preemption':
          ops.push(['preempt', [JSON.stringify(c.record)]]);
          if (++this.preemptionWrites % PRUNE_CHUNK === 0 || this.retention.preemptions === 0) ops.push(['prunePreemptions', [this.retention.preemptions]]);
          break;
        case 'put-waiting': {
          const w = c.waiting;
          ops.push(['putWaiting', [w.id, w.seq, w.enqueuedAtMs, w.timeoutAtMs, w.leaseMs, encodeRequest(w.request), w.slo]]);
          break;
        }
        case 'delete-waiting':
          ops.push(['delWaiting', [c.id]]);
          break;
        case 'ended':
          ops.push(['delEnded', [c.ended.id]], ['putEnded', [c.ended.id, c.ended.tenant, c.ended.how, c.ended.atMs]]);
          if (++this.endedWrites % 1000 === 0) ops.push(['pruneEnded', [1, ENDED_RETENTION]], ['pruneEnded', [0, ENDED_RETENTION]]);
          break;
        case 'event': {
          const e = c.event;
          ops.push(['event', [e.id, e.type, e.tenant, e.atMs, JSON.stringify(e.data)]]);
          if (e.id % 1000 === 0) ops.push(['pruneEvents', [e.id - EVENT_RETENTION]]);
          break;
        }
        case 'audit': {
          const r = c.record;
          ops.push(['audit', [r.atMs, r.actor, r.method, r.route, r.target, r.status, r.result]]);
          if (this.retention.audit !== null && (++this.auditWrites % PRUNE_CHUNK === 0 || this.retention.audit === 0)) ops.push(['pruneAudit', [this.retention.audit]]);
          break;
        }
        case 'slo':
          ops.push(['putMeta', ['slo', JSON.stringify(c.counts)]]);
          break;
        case 'billing-clock':
          ops.push(['putMeta', ['billing_clock_ms', String(c.atMs)]]);
          break;
        case 'committed-head':
          ops.push(['putMeta', ['committed_head', JSON.stringify(c.id)]]);
          break;
      }
    }
    return ops;
  }

  commit(changes: readonly StateChange[]): void {
    this.gate?.release(); // keep the order of commits
    if (changes.length === 0) return;
    const audit = this.apply(changes);
    this.flusher?.flushSync();
    this.durableEventId = Math.max(this.durableEventId, lastEventIn(changes));
    this.durableAuditSeq = Math.max(this.durableAuditSeq, audit);
  }

  commitAsync? = (changes: readonly StateChange[]): Promise<void> => (this.gate as CommitGate).run(() => this.commitNow(changes));

  private commitNow(changes: readonly StateChange[]): Promise<void> {
    const flusher = this.flusher as WalFlusher;
    let audit = 0;
    try {
      if (this.failed !== undefined) throw this.failed;
      if (changes.length > 0) audit = this.apply(changes);
    } catch (e) {
      this.failed ??= e instanceof Error ? e : new Error(String(e));
      return Promise.reject(this.failed);
    }
    const last = lastEventIn(changes);
    return flusher.flush().then(() => {
      if (last > this.durableEventId) this.durableEventId = last;
      if (audit > this.durableAuditSeq) this.durableAuditSeq = audit;
    });
  }

  /** Checkpoints the worker thread has completed, catch-up steps and the log restarts they led to (sqlite-flush.ts), whether one holds commits now, checkpoints run on the loop, and the worker's last error (retried after the next flush). */
  get checkpoints(): { readonly done: number; readonly catchUps: number; readonly restarts: number; readonly holding: boolean; readonly onLoop: number; readonly lastError: string | undefined } {
    const g = this.gate;
    return { done: this.checkpointer?.done ?? 0, catchUps: g?.catchUps ?? 0, restarts: g?.restarts ?? 0, holding: g?.holding ?? false, onLoop: this.loopCheckpoints, lastError: this.checkpointer?.lastError };
  }

  private loopCheckpoints = 0;

  /** After a failed transaction every later commit fails (pipelined: nothing may land on top of it). */
  private failed: Error | undefined;

  /** Write the changes in one transaction (not yet durable); the seq of its last audit record, 0 if none. */
  private apply(changes: readonly StateChange[]): number {
    const audit = this.tx(this.encode(changes));
    this.flusher?.wrote();
    this.gate?.wrote();
    return audit;
  }

  drainSync(): void {
    this.gate?.release();
    this.flusher?.drain();
  }

  load(): StoredState {
    const dims = this.db.prepare(`SELECT value FROM meta WHERE key = 'dimensions'`).get() as { value: string } | undefined;
    const pools = (this.db.prepare('SELECT idx, json FROM pools ORDER BY idx').all() as { idx: number; json: string }[]).map((row): StoredPool => {
      const v = JSON.parse(row.json) as { spec: PoolSpec; primary: string };
      return { index: row.idx, spec: v.spec, primary: v.primary };
    });
    type NodeRow = { id: number; pool: number; status: string; ready_at_ms: number | null; provisioned_at_ms: number | null; removed_at_ms: number | null };
    const nodes = (this.db.prepare('SELECT id, pool, status, ready_at_ms, provisioned_at_ms, removed_at_ms FROM nodes ORDER BY id').all() as NodeRow[]).map(
      (row): StoredNode => ({ id: row.id, pool: row.pool, status: row.status as NodeStatus, readyAtMs: row.ready_at_ms, provisionedAtMs: row.provisioned_at_ms, removedAtMs: row.removed_at_ms }),
    );
    type AllocRow = { id: string; node_id: number; start_ms: number; lease_expiry_ms: number | null; borrowed: number; request: string; devices: string | null; lease_seq: number | null };
    const allocations = (this.db.prepare('SELECT id, node_id, start_ms, lease_expiry_ms, borrowed, request, devices, lease_seq FROM allocations ORDER BY start_ms, id').all() as AllocRow[]).map(
      (row): StoredAllocation => ({
        id: row.id,
        nodeId: row.node_id,
        startMs: row.start_ms,
        leaseExpiryMs: row.lease_expiry_ms,
        borrowed: row.borrowed !== 0,
        request: decodeRequest(row.request),
        ...(row.devices === null ? {} : { devices: decodeDevices(row.devices, row.id, this.description) }),
        ...(row.lease_seq === null ? {} : { leaseSeq: decodeLeaseSeq(row.lease_seq, row.id, this.description) }),
      }),
    );
    // The newest records only (at most the retention): a restart costs what is kept, not the whole history.
    const preRows = this.db.prepare('SELECT seq, json FROM (SELECT seq, json FROM preemptions ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(this.retention.preemptions) as { seq: number; json: string }[];
    const preemptions = preRows.map((row) => JSON.parse(row.json) as PreemptionRecord);
    // With none loaded (retention 0 prunes every row), every record ever written is before the window:
    // the table's AUTOINCREMENT counter says how many, where MAX(seq) of an empty table would restart positions at 0.
    const preemptionsBefore = preRows.length === 0 ? ((this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'preemptions'`).get() as { seq: number } | undefined)?.seq ?? 0) : (preRows[0] as { seq: number }).seq - 1;
    type WaitRow = { id: string; seq: number; enqueued_at_ms: number; timeout_at_ms: number; lease_ms: number | null; request: string; slo: string | null };
    const waiting = (this.db.prepare('SELECT id, seq, enqueued_at_ms, timeout_at_ms, lease_ms, request, slo FROM waiting ORDER BY seq').all() as WaitRow[]).map(
      (r): StoredWaiting => ({ id: r.id, seq: r.seq, enqueuedAtMs: r.enqueued_at_ms, timeoutAtMs: r.timeout_at_ms, leaseMs: r.lease_ms, request: decodeRequest(r.request), slo: decodeWaitingSlo(r.slo, r.id, this.description) }),
    );
    const slo = this.db.prepare(`SELECT value FROM meta WHERE key = 'slo'`).get() as { value: string } | undefined;
    const billing = this.db.prepare(`SELECT value FROM meta WHERE key = 'billing_clock_ms'`).get() as { value: string } | undefined;
    const head = this.db.prepare(`SELECT value FROM meta WHERE key = 'committed_head'`).get() as { value: string } | undefined;
    const ended = (this.db.prepare('SELECT id, tenant, how, at_ms FROM ended ORDER BY rowid').all() as { id: string; tenant: string; how: string; at_ms: number }[]).map(
      (r): StoredEnded => ({ id: r.id, tenant: r.tenant, how: r.how as EndedHow, atMs: r.at_ms }),
    );
    const last = this.db.prepare('SELECT MAX(id) AS id FROM events').get() as { id: number | null };
    const counts = slo === undefined ? null : decodeSloCounts(slo.value, this.description);
    return { dimensions: dims === undefined ? null : (JSON.parse(dims.value) as string[]), pools, nodes, allocations, preemptions, preemptionsBefore, waiting, ended, lastEventId: last.id ?? 0, slo: counts, billingClockMs: billing === undefined ? null : decodeTime(billing.value, 'billing_clock_ms', this.description), committedHead: head === undefined ? null : decodeCommittedHead(head.value, this.description) };
  }

  readEvents(afterId: number, limit: number): Promise<EventRecord[]> {
    const rows = this.db.prepare('SELECT id, type, tenant, at_ms, data FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?').all(afterId, this.durableEventId, limit) as {
      id: number;
      type: string;
      tenant: string | null;
      at_ms: number;
      data: string;
    }[];
    return Promise.resolve(rows.map((r) => ({ id: r.id, type: r.type as EventType, tenant: r.tenant, atMs: r.at_ms, data: JSON.parse(r.data) as unknown })));
  }

  readAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const rows = this.db
      .prepare(`SELECT seq, at_ms, actor, method, route, target, status, result FROM audit WHERE seq > ? AND seq <= ? ${q.actor !== undefined ? 'AND actor = ?' : ''} ORDER BY seq LIMIT ?`)
      .all(...[q.afterSeq ?? 0, this.durableAuditSeq, ...(q.actor !== undefined ? [q.actor] : []), q.limit]) as {
      seq: number;
      at_ms: number;
      actor: string;
      method: string;
      route: string;
      target: string | null;
      status: number;
      result: string;
    }[];
    return Promise.resolve(rows.map((r) => ({ seq: r.seq, atMs: r.at_ms, actor: r.actor, method: r.method, route: r.route, target: r.target, status: r.status, result: r.result })));
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.gate?.release();
      this.flusher?.close();
    } finally {
      this.checkpointer?.close();
      // The last connection to close checkpoints the WAL into the database file: with fsyncs.
      if (this.flusher !== undefined) this.db.pragma('synchronous = FULL');
      this.db.close();
      this.lock?.release();
    }
  }
}

/** SQLite's errors on opening a state file in words: which file, what is wrong with it. */
function openError(e: unknown, path: string): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
  if (code.startsWith('SQLITE_CANTOPEN')) return new UserError('cannot open the state file (check that its folder is writable)', { file: path });
  if (code.startsWith('SQLITE_READONLY')) return new UserError('the state file is read-only: drs serve writes every change to it (check its permissions)', { file: path });
  if (code === 'SQLITE_NOTADB') return new UserError('not a drs state file (not an SQLite database): give a new path, or the file an earlier drs serve wrote', { file: path });
  return new UserError(`cannot use the state file: ${(e as Error).message} (${code})`, { file: path });
}
