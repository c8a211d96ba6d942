import pg from 'pg';
import type { NodeStatus } from '../core/cluster.js';
import type { PoolSpec } from '../core/model.js';
import { ensurePgSchema, requireDurableCommits } from './pg-schema.js';
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
  type StoredState,
  type StoredWaiting,
} from './store.js';
import { decodeCommittedHead, decodeDevices, decodeLeaseSeq, decodeRequest, decodeSloCounts, decodeTime, decodeWaitingSlo, encodeRequest } from './store-codec.js';
import type { EndedHow, PreemptionRecord } from './types.js';

/**
 * The shared PostgreSQL store (npm `pg`), for several `drs serve` replicas of which one leads
 * (see pg-leader.ts). Only the leader opens a PgStore: `PgStore.open` loads the state as the
 * previous leader last committed it, after this replica's term was set, so nothing the old
 * leader could still commit is missed: any such commit fails the term check.
 *
 * Commits are asynchronous (`asyncOnly`: the scheduler must use group commit) and each is one
 * call of `drs_commit(term, changes)` (pg-schema.ts): one round trip, one transaction, fenced by
 * the term. The changes of a group are coalesced first (the last write to a key wins; a put and
 * a delete of the same id in one group cancel out), so each table gets one set-based statement.
 */
export class PgStore implements StateStore {
  readonly asyncOnly = true;
  readonly description: string;
  private loaded: StoredState | undefined;
  private endedWrites = 0;
  private preemptionWrites = 0;
  private auditWrites = 0;
  private readonly retention: { readonly preemptions: number; readonly audit: number | null };

  private constructor(
    private readonly writer: pg.Client,
    private readonly readers: pg.Pool,
    readonly term: number,
    where: string,
    retention: Retention | undefined,
  ) {
    this.description = `postgres:${where}`;
    this.retention = retentionOf(retention);
  }

  /** Connect, make sure the schema exists, and load the state (call once this replica leads `term`). `retention`: how many preemption and audit records are kept (see Retention). */
  static async open(url: string, term: number, options: { readonly retention?: Retention } = {}): Promise<PgStore> {
    const retention = retentionOf(options.retention); // a bad value is refused before connecting
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    const readers = new pg.Pool({ connectionString: url, max: 3 });
    const store = new PgStore(writer, readers, term, redact(url), retention);
    try {
      writer.on('error', () => {}); // reported by the next commit
      readers.on('error', () => {});
      await requireDurableCommits(writer);
      await ensurePgSchema(writer);
      store.loaded = await store.readState();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  load(): StoredState {
    if (this.loaded === undefined) throw new Error(`${this.description}: load() after open() only`);
    return this.loaded;
  }

  commit(): void {
    throw new Error(`${this.description} commits asynchronously: use durability 'group'`);
  }

  async commitAsync(changes: readonly StateChange[]): Promise<void> {
    if (changes.length === 0) return;
    // A named statement: parsed and planned once per connection, not at every commit.
    await this.writer.query({ name: 'drs-commit', text: 'SELECT drs_commit($1, $2::jsonb)', values: [this.term, JSON.stringify(this.payload(changes))] });
  }

  /** Coalesce a group of changes into the per-table sets `drs_commit` applies. */
  private payload(changes: readonly StateChange[]): Record<string, unknown> {
    const pools = new Map<number, { idx: number; json: string }>();
    const nodes = new Map<number, { id: number; pool: number; status: string; ready: number | null; prov: number | null; rem: number | null }>();
    const allocs = new Map<string, { put?: StoredAllocation; lease?: number | null; leaseSeq?: number; del?: true }>();
    const waits = new Map<string, StoredWaiting | null>();
    const ended = new Map<string, { id: string; tenant: string; how: string; at: number }>();
    const pre: string[] = [];
    const preAt: number[] = [];
    const events: { id: number; type: string; tenant: string | null; at: number; data: string }[] = [];
    const audit: { at: number; actor: string; method: string; route: string; target: string | null; status: number; result: string }[] = [];
    const out: Record<string, unknown> = {};
    for (const c of changes) {
      switch (c.kind) {
        case 'dimensions':
          out.dims = JSON.stringify(c.names);
          break;
        case 'pool':
          pools.set(c.pool.index, { idx: c.pool.index, json: JSON.stringify({ spec: c.pool.spec, primary: c.pool.primary }) });
          break;
        case 'node':
          nodes.set(c.node.id, { id: c.node.id, pool: c.node.pool, status: c.node.status, ready: c.node.readyAtMs, prov: c.node.provisionedAtMs, rem: c.node.removedAtMs });
          break;
        case 'put-allocation':
          allocs.set(c.allocation.id, { put: c.allocation });
          break;
        case 'delete-allocation':
          allocs.set(c.id, { del: true });
          break;
        case 'lease': {
          const e = allocs.get(c.id);
          if (e?.put !== undefined) e.put = { ...e.put, leaseExpiryMs: c.leaseExpiryMs, ...(c.leaseSeq === undefined ? {} : { leaseSeq: c.leaseSeq }) };
          else if (e?.del !== true) allocs.set(c.id, { lease: c.leaseExpiryMs, ...(c.leaseSeq === undefined ? {} : { leaseSeq: c.leaseSeq }) });
          break;
        }
        case 'preemption':
          pre.push(JSON.stringify(c.record));
          if (c.position !== undefined) preAt.push(c.position + 1);
          if (++this.preemptionWrites % PRUNE_CHUNK === 0 || this.retention.preemptions === 0) out.prune_pre = this.retention.preemptions;
          break;
        case 'put-waiting':
          waits.set(c.waiting.id, c.waiting);
          break;
        case 'delete-waiting':
          waits.set(c.id, null);
          break;
        case 'ended':
          ended.delete(c.ended.id);
          ended.set(c.ended.id, { id: c.ended.id, tenant: c.ended.tenant, how: c.ended.how, at: c.ended.atMs });
          if (++this.endedWrites % 1000 === 0) out.prune_ended = ENDED_RETENTION;
          break;
        case 'event':
          events.push({ id: c.event.id, type: c.event.type, tenant: c.event.tenant, at: c.event.atMs, data: JSON.stringify(c.event.data) });
          if (c.event.id % 1000 === 0) out.prune_events = c.event.id - EVENT_RETENTION;
          break;
        case 'audit':
          audit.push({ at: c.record.atMs, actor: c.record.actor, method: c.record.method, route: c.record.route, target: c.record.target, status: c.record.status, result: c.record.result });
          if (this.retention.audit !== null && (++this.auditWrites % PRUNE_CHUNK === 0 || this.retention.audit === 0)) out.prune_audit = this.retention.audit;
          break;
        case 'slo':
          out.slo = JSON.stringify(c.counts);
          break;
        case 'billing-clock':
          out.billing_clock = String(c.atMs);
          break;
        case 'committed-head':
          out.head = JSON.stringify(c.id);
          break;
      }
    }
    if (pools.size > 0) out.pools = [...pools.values()];
    if (nodes.size > 0) out.nodes = [...nodes.values()];
    const adel: string[] = [];
    const aput: unknown[] = [];
    const lease: unknown[] = [];
    for (const [id, e] of allocs) {
      if (e.put !== undefined) {
        const a = e.put;
        aput.push({ id, node: a.nodeId, start: a.startMs, lease: a.leaseExpiryMs, borrowed: a.borrowed, request: encodeRequest(a.request), devices: a.devices === undefined ? null : JSON.stringify(a.devices), lseq: a.leaseSeq ?? null });
      } else if (e.del === true) adel.push(id);
      else lease.push({ id, lease: e.lease, lseq: e.leaseSeq ?? null });
    }
    if (adel.length > 0) out.adel = adel;
    if (aput.length > 0) out.aput = aput;
    if (lease.length > 0) out.lease = lease;
    const wdel: string[] = [];
    const wput: unknown[] = [];
    for (const [id, w] of waits) {
      if (w === null) wdel.push(id);
      else wput.push({ id, seq: w.seq, enq: w.enqueuedAtMs, timeout: w.timeoutAtMs, lease: w.leaseMs, request: encodeRequest(w.request), slo: w.slo });
    }
    if (wdel.length > 0) out.wdel = wdel;
    if (wput.length > 0) out.wput = wput;
    if (ended.size > 0) out.ended = [...ended.values()];
    if (pre.length > 0) out.pre = pre;
    // Each record's seq is its position + 1 (a sequence value would skip after a rollback or a
    // database crash, and positions restored from it would then move). `pre` stays as it was, so
    // a drs_commit of the previous version (a rolling upgrade) still stores the records.
    if (pre.length > 0 && preAt.length === pre.length) out.pre_at = preAt;
    if (events.length > 0) out.events = events;
    if (audit.length > 0) out.audit = audit;
    return out;
  }

  private async readState(): Promise<StoredState> {
    const c = this.writer;
    const dims = await c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'dimensions'`);
    const pools = await c.query<{ idx: number; json: string }>('SELECT idx, json FROM drs_pools ORDER BY idx');
    type NodeRow = { id: number; pool: number; status: string; ready_at_ms: number | null; provisioned_at_ms: number | null; removed_at_ms: number | null };
    const nodes = await c.query<NodeRow>('SELECT id, pool, status, ready_at_ms, provisioned_at_ms, removed_at_ms FROM drs_nodes ORDER BY id');
    const allocs = await c.query<{ id: string; node_id: number; start_ms: number; lease_expiry_ms: number | null; borrowed: boolean; request: string; devices: string | null; lease_seq: string | null }>(
      'SELECT id, node_id, start_ms, lease_expiry_ms, borrowed, request, devices, lease_seq FROM drs_allocations ORDER BY start_ms, id',
    );
    // The newest records only (at most the retention): a takeover costs what is kept, not the whole history.
    // bigint columns come back as strings (node-pg's int8); no `::text AS seq` in a query that
    // orders by it: ORDER BY takes the output column first, and '10' sorts before '9'.
    const pre = await c.query<{ seq: string; json: string }>('SELECT seq, json FROM (SELECT seq, json FROM drs_preemptions ORDER BY seq DESC LIMIT $1) p ORDER BY seq', [this.retention.preemptions]);
    // With none loaded (retention 0 prunes every row), every record ever written is before the window: the
    // sequence's last value says how many (never less), where max(seq) of an empty table would restart positions at 0.
    const preMax = pre.rows.length > 0 ? undefined : await c.query<{ seq: string | null }>(`SELECT pg_sequence_last_value(pg_get_serial_sequence('drs_preemptions', 'seq'))::text AS seq`);
    const waiting = await c.query<{ id: string; seq: string; enqueued_at_ms: number; timeout_at_ms: number; lease_ms: number | null; request: string; slo: string | null }>(
      'SELECT id, seq, enqueued_at_ms, timeout_at_ms, lease_ms, request, slo FROM drs_waiting ORDER BY seq',
    );
    const slo = await c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'slo'`);
    const billing = await c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'billing_clock_ms'`);
    const head = await c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'committed_head'`);
    const ended = await c.query<{ id: string; tenant: string; how: string; at_ms: number }>('SELECT id, tenant, how, at_ms FROM drs_ended ORDER BY n');
    const last = await c.query<{ id: string | null }>('SELECT max(id)::text AS id FROM drs_events');
    const dimsRow = dims.rows[0];
    return {
      dimensions: dimsRow === undefined ? null : (JSON.parse(dimsRow.value) as string[]),
      pools: pools.rows.map((r) => {
        const v = JSON.parse(r.json) as { spec: PoolSpec; primary: string };
        return { index: r.idx, spec: v.spec, primary: v.primary };
      }),
      nodes: nodes.rows.map((r) => ({ id: r.id, pool: r.pool, status: r.status as NodeStatus, readyAtMs: r.ready_at_ms, provisionedAtMs: r.provisioned_at_ms, removedAtMs: r.removed_at_ms })),
      allocations: allocs.rows.map((r) => ({
        id: r.id,
        nodeId: r.node_id,
        startMs: r.start_ms,
        leaseExpiryMs: r.lease_expiry_ms,
        borrowed: r.borrowed,
        request: decodeRequest(r.request),
        ...(r.devices === null ? {} : { devices: decodeDevices(r.devices, r.id, this.description) }),
        ...(r.lease_seq === null ? {} : { leaseSeq: decodeLeaseSeq(r.lease_seq, r.id, this.description) }), // bigint: a string
      })),
      preemptions: pre.rows.map((r) => JSON.parse(r.json) as PreemptionRecord),
      // Counted back from the newest record (its seq is its position + 1), so the next position is
      // past every stored seq even where older rows, written by sequence, have holes between them.
      preemptionsBefore: pre.rows.length > 0 ? Number(pre.rows[pre.rows.length - 1]?.seq) - pre.rows.length : Number(preMax?.rows[0]?.seq ?? 0),
      waiting: waiting.rows.map((r) => ({ id: r.id, seq: Number(r.seq), enqueuedAtMs: r.enqueued_at_ms, timeoutAtMs: r.timeout_at_ms, leaseMs: r.lease_ms, request: decodeRequest(r.request), slo: decodeWaitingSlo(r.slo, r.id, this.description) })),
      ended: ended.rows.map((r) => ({ id: r.id, tenant: r.tenant, how: r.how as EndedHow, atMs: r.at_ms })),
      lastEventId: last.rows[0]?.id == null ? 0 : Number(last.rows[0].id),
      slo: slo.rows[0] === undefined ? null : decodeSloCounts(slo.rows[0].value, this.description),
      billingClockMs: billing.rows[0] === undefined ? null : decodeTime(billing.rows[0].value, 'billing_clock_ms', this.description),
      committedHead: head.rows[0] === undefined ? null : decodeCommittedHead(head.rows[0].value, this.description),
    };
  }

  async readEvents(afterId: number, limit: number): Promise<EventRecord[]> {
    const r = await this.readers.query<{ id: string; type: string; tenant: string | null; at_ms: number; data: string }>(
      'SELECT id, type, tenant, at_ms, data FROM drs_events WHERE id > $1 ORDER BY id LIMIT $2', // id: bigint, as a string (see readState)
      [afterId, limit],
    );
    return r.rows.map((x) => ({ id: Number(x.id), type: x.type as EventType, tenant: x.tenant, atMs: x.at_ms, data: JSON.parse(x.data) as unknown }));
  }

  async readAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const r = await this.readers.query<{ seq: string; at_ms: number; actor: string; method: string; route: string; target: string | null; status: number; result: string }>(
      `SELECT seq, at_ms, actor, method, route, target, status, result FROM drs_audit WHERE seq > $1 AND ($2::text IS NULL OR actor = $2) ORDER BY seq LIMIT $3`, // seq: bigint, as a string
      [q.afterSeq ?? 0, q.actor ?? null, q.limit],
    );
    return r.rows.map((x) => ({ seq: Number(x.seq), atMs: x.at_ms, actor: x.actor, method: x.method, route: x.route, target: x.target, status: x.status, result: x.result }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.writer.end(), this.readers.end()]);
  }
}

/** The URL without its password (for logs). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return `${u.host}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}
