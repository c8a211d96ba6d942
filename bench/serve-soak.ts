/**
 * `drs serve` over a long life: a soak. One service in a child process (SQLite state file, or a
 * fresh PostgreSQL database with `--postgres`), driven over keep-alive HTTP (node:http, N
 * connections) with a fixed mix of work whose requests all END: long leases released at once,
 * short leases that expire, requests that time out in the queue, high-priority work that preempts,
 * requests that never fit (rejected), renewals, status polls of ids the client just released,
 * dependents and unique concurrency groups. Nothing in the mix stays live, so any figure that keeps
 * growing with the number of requests (the server's RSS and heap, the state file, a table) is a
 * leak of ended work.
 *
 *   npx tsx bench/serve-soak.ts [--requests 200000] [--concurrency 8] [--sample-s 5]
 *       [--postgres] [--root DIR] [--label NAME] [--audit-retention N]
 *
 * `--root` runs the service from another checkout (its `src/`, through tsx): a worktree of an
 * earlier commit gives the "before" figures. Every `--sample-s` seconds it records the server's
 * RSS (/proc) and V8 heap (from /metrics, after no forced GC), live allocations and queue, the
 * state file (+ WAL) size or the PostgreSQL tables' size, row counts per table, and the
 * interval's throughput and latency p50/p99. It also counts status polls of an id released up to 40
 * requests earlier that answered 404 (the ended-ids memory lost it). Prints a table and writes
 * bench/results/serve-soak-<label>.json.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { machine, RESULTS_DIR, type Figure } from './common.js';
import { startServeChild } from './serve-child.js';
import pg from 'pg';
import { createDatabase, pgAdmin } from './pg-admin.js';

const OPTIONS = {
  requests: { type: 'string', default: '200000' },
  concurrency: { type: 'string', default: '8' },
  'sample-s': { type: 'string', default: '5' },
  postgres: { type: 'boolean', default: false },
  root: { type: 'string' },
  label: { type: 'string' },
  'audit-retention': { type: 'string' }, // the config's retention.audit (default: the service's)
} as const;
const args = (() => {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (e) {
    console.error(`bench/serve-soak.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
function whole(name: 'requests' | 'concurrency' | 'sample-s' | 'audit-retention', min: number): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench/serve-soak.ts: --${name}: expected a whole number >= ${min}, got ${args[name]}`);
    process.exit(2);
  }
  return v;
}
const REQUESTS = whole('requests', 100);
const CONCURRENCY = whole('concurrency', 2);
const SAMPLE_MS = whole('sample-s', 1) * 1000;
const ROOT = path.resolve(args.root ?? path.join(import.meta.dirname, '..'));
const AUDIT_RETENTION = args['audit-retention'] === undefined ? undefined : whole('audit-retention', 0);
const LABEL = args.label ?? (args.postgres ? 'postgres' : 'sqlite');

const ALPHA = 'soak-alpha-token-0123456789';
const BETA = 'soak-beta-token-0123456789ab';
const ADMIN = 'soak-admin-token-0123456789';
const TABLES = ['allocations', 'waiting', 'ended', 'events', 'audit', 'preemptions'];


interface Child {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function startServer(store: Record<string, unknown>): Promise<Child> {
  const config = {
    tokens: [
      { token: ALPHA, tenant: 'alpha' },
      { token: BETA, tenant: 'beta' },
      { token: ADMIN, admin: true },
    ],
    limits: { requestsPerSecond: 0 },
    preemption: true,
    queue: { policy: 'priority', timeoutMs: 500, maxLength: 256 },
    ...(AUDIT_RETENTION !== undefined ? { retention: { audit: AUDIT_RETENTION } } : {}),
    ...store,
    // Small enough to stay saturated: requests queue, time out, preempt and are rejected.
    pools: [{ name: 'p', capacity: { cpu: 16, memory: 64 }, nodes: 8 }],
  };
  // A PostgreSQL replica listens as a standby (503) until it leads.
  return startServeChild(ROOT, config, (out) => store.postgres === undefined || /LEADING \d+/.test(out));
}

const child = await (async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'drs-soak-'));
  if (!args.postgres) {
    const file = path.join(tmp, 'state.db');
    return { tmp, file, pgUrl: undefined as string | undefined, db: undefined as string | undefined, server: await startServer({ stateFile: file }) };
  }
  const db = `drs_soak_${process.pid}`;
  const url = await createDatabase(db);
  return { tmp, file: undefined, pgUrl: url, db, server: await startServer({ postgres: { url } }) };
})();
const { server } = child;
const base = new URL(server.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });

function send(method: string, p: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: p,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

// ---- sampling ------------------------------------------------------------------------------
interface Sample {
  readonly t: number;
  readonly requests: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly live: number;
  readonly queued: number;
  readonly storeMiB: number;
  readonly rows: Record<string, number>;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}
const samples: Sample[] = [];
let lat: number[] = [];
let done = 0;
let unknownPolls = 0;
let polls = 0;
const statusCount: Record<string, number> = {};
const t0 = performance.now();
let lastT = t0;
let lastDone = 0;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}
async function storeFigures(): Promise<{ mib: number; rows: Record<string, number> }> {
  const rows: Record<string, number> = {};
  if (child.file !== undefined) {
    let bytes = 0;
    for (const f of [child.file, `${child.file}-wal`]) {
      try {
        bytes += statSync(f).size;
      } catch {
        /* no WAL yet */
      }
    }
    const db = new Database(child.file, { readonly: true, fileMustExist: true });
    try {
      for (const t of TABLES) rows[t] = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
    return { mib: bytes / 2 ** 20, rows };
  }
  const c = new pg.Client({ connectionString: child.pgUrl });
  await c.connect();
  try {
    let bytes = 0;
    for (const t of TABLES) {
      const r = await c.query<{ n: string; b: string }>(`SELECT (SELECT count(*) FROM drs_${t})::text AS n, pg_total_relation_size('drs_${t}')::text AS b`);
      rows[t] = Number(r.rows[0]?.n);
      bytes += Number(r.rows[0]?.b);
    }
    return { mib: bytes / 2 ** 20, rows };
  } finally {
    await c.end();
  }
}
async function sample(): Promise<void> {
  const now = performance.now();
  const m = await send('GET', '/metrics', ADMIN);
  const st = await storeFigures();
  const l = lat;
  lat = [];
  l.sort((a, b) => a - b);
  const q = (p: number): number => l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN;
  const s: Sample = {
    t: (now - t0) / 1000,
    requests: done,
    rssMiB: rssMiB(server.pid),
    heapMiB: metric(m.text, 'drs_nodejs_heap_size_used_bytes') / 2 ** 20,
    live: metric(m.text, 'drs_allocations_active'),
    queued: metric(m.text, 'drs_queue_length'),
    storeMiB: st.mib,
    rows: st.rows,
    rps: (done - lastDone) / ((now - lastT) / 1000),
    p50: q(0.5),
    p99: q(0.99),
  };
  lastT = now;
  lastDone = done;
  samples.push(s);
  const rows = TABLES.map((t) => `${t}=${s.rows[t]}`).join(' ');
  console.log(
    `${s.t.toFixed(0).padStart(5)} s ${String(s.requests).padStart(8)} req  ${s.rps.toFixed(0).padStart(5)} req/s  p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms  rss ${s.rssMiB.toFixed(0)} MiB  heap ${s.heapMiB.toFixed(1)} MiB  store ${s.storeMiB.toFixed(1)} MiB  live ${s.live} queued ${s.queued}  ${rows}`,
  );
}

// ---- the load ------------------------------------------------------------------------------
/** One client: a fixed cycle of ten kinds of request, with ids of its own. */
async function worker(w: number): Promise<void> {
  const token = w % 2 === 0 ? ALPHA : BETA;
  const released: string[] = [];
  const held: string[] = [];
  let k = 0;
  const timed = async (method: string, p: string, body?: unknown): Promise<{ status: number; text: string }> => {
    const s = performance.now();
    const r = await send(method, p, token, body);
    lat.push(performance.now() - s);
    done++;
    const key = `${method} ${r.status}`;
    statusCount[key] = (statusCount[key] ?? 0) + 1;
    return r;
  };
  while (done < REQUESTS) {
    const kind = k % 10;
    const id = `w${w}-${k++}`;
    switch (kind) {
      case 0:
      case 1:
      case 2:
      case 3: {
        // A long lease (1 h), released (or, still queued, cancelled) three requests of this kind later: its lease entry must not outlive it.
        const r = await timed('POST', '/v1/allocations', { id, units: 1 + (k % 3), priority: 'low', preemptible: true, durationMs: 3_600_000 });
        if (r.status === 201 || r.status === 202) held.push(id); // running, or queued (then it may start later)
        if (held.length > 3) {
          const gone = held.shift() as string;
          if ((await timed('DELETE', `/v1/allocations/${gone}`)).status === 200) {
            released.push(gone);
            if (released.length > 40) released.shift();
          }
        }
        break;
      }
      case 4:
      case 5:
        // A short lease: expires (or times out in the queue).
        await timed('POST', '/v1/allocations', { id, units: 2, priority: 'medium', durationMs: 200 + (k % 7) * 100 });
        break;
      case 6:
        // High priority, not preemptible: takes capacity back from low-priority work.
        await timed('POST', '/v1/allocations', { id, units: 6, priority: 'high', durationMs: 300 });
        break;
      case 7:
        // Never fits: rejected at once.
        await timed('POST', '/v1/allocations', { id, units: 1000 });
        break;
      case 8: {
        // The status of an id this client released up to 40 releases ago: should still be known.
        const old = released[0];
        if (old !== undefined) {
          const r = await timed('GET', `/v1/allocations/${old}`);
          polls++;
          if (r.status === 404) unknownPolls++;
        } else await timed('GET', `/v1/allocations/${id}`);
        break;
      }
      case 9: {
        // A dependent of a released id, in a concurrency group of its own.
        const dep = released[released.length - 1];
        await timed('POST', '/v1/allocations', { id, units: 1, durationMs: 300, concurrency: { group: `g-${id}`, limit: 1 }, ...(dep !== undefined ? { dependsOn: [dep] } : {}) });
        break;
      }
    }
  }
}

const timer = setInterval(() => void sample().catch((e: unknown) => console.error(`sample failed: ${String(e)}`)), SAMPLE_MS);
await sample();
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
} finally {
  clearInterval(timer);
}
await new Promise((r) => setTimeout(r, 2500)); // let the last leases expire and queued requests time out
await sample();
const seconds = (performance.now() - t0) / 1000;
await server.stop();
agent.destroy();
if (child.db !== undefined) await pgAdmin(`DROP DATABASE IF EXISTS ${child.db} WITH (FORCE)`);
rmSync(child.tmp, { recursive: true, force: true });

// Growth: the last sample against the one at a quarter of the run (past the warm-up).
const first = samples[Math.floor(samples.length / 4)] as Sample;
const last = samples[samples.length - 1] as Sample;
const per100k = (a: number, b: number): number => ((b - a) / Math.max(1, last.requests - first.requests)) * 100_000;
const figures: Figure[] = [
  { suite: 'serve-soak', name: `${LABEL}: requests`, value: done, unit: 'requests' },
  { suite: 'serve-soak', name: `${LABEL}: throughput`, value: done / seconds, unit: 'req/s' },
  { suite: 'serve-soak', name: `${LABEL}: RSS at the end`, value: last.rssMiB, unit: 'MiB' },
  { suite: 'serve-soak', name: `${LABEL}: RSS growth per 100k requests (after the first quarter)`, value: per100k(first.rssMiB, last.rssMiB), unit: 'MiB' },
  { suite: 'serve-soak', name: `${LABEL}: heap growth per 100k requests (after the first quarter)`, value: per100k(first.heapMiB, last.heapMiB), unit: 'MiB' },
  { suite: 'serve-soak', name: `${LABEL}: store growth per 100k requests (after the first quarter)`, value: per100k(first.storeMiB, last.storeMiB), unit: 'MiB' },
  // Once the event log is full (100,000 events, pruned from then on), what still grows.
  ...((): Figure[] => {
    const full = samples.find((x) => (x.rows.events ?? 0) >= 100_000);
    if (full === undefined || full === last || last.requests === full.requests) return [];
    return [{ suite: 'serve-soak', name: `${LABEL}: store growth per 100k requests once the event log is full (from ${full.requests} requests)`, value: ((last.storeMiB - full.storeMiB) / (last.requests - full.requests)) * 100_000, unit: 'MiB' }];
  })(),
  ...TABLES.map((t): Figure => ({ suite: 'serve-soak', name: `${LABEL}: rows in ${t} at the end`, value: last.rows[t] ?? NaN, unit: 'rows' })),
  { suite: 'serve-soak', name: `${LABEL}: status polls of an id released up to 40 releases earlier answered 404`, value: unknownPolls, unit: `of ${polls}` },
];
console.log(`\n${done} requests in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(0)} req/s); answers: ${JSON.stringify(statusCount)}`);
for (const f of figures) console.log(`${f.name}: ${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} ${f.unit}`);
mkdirSync(RESULTS_DIR, { recursive: true });
const file = path.join(RESULTS_DIR, `serve-soak-${LABEL}.json`);
writeFileSync(file, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { requests: REQUESTS, concurrency: CONCURRENCY, root: ROOT, auditRetention: AUDIT_RETENTION ?? null }, figures, samples }, null, 2)}\n`);
console.log(`wrote ${file}`);
