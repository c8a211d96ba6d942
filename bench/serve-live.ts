/**
 * `drs serve` under a large live state: does a POST cost more when many leases are live?
 *
 * For each `--live` size it builds a SQLite state file once (this checkout's library, in process)
 * holding that many running allocations of tenant `alpha` (day-long leases, on 1,600 nodes of
 * 128 CPUs, so every size leaves room), then starts the service on a copy of it (a child process,
 * `node --import tsx`, SQLite group commit) and drives `--pairs` POST /v1/allocations + DELETE
 * pairs as tenant `alpha` over `--concurrency` keep-alive connections (node:http, bounded in
 * count), after 200 pairs of warm-up. It records each POST's latency and the pairs per second.
 *
 *   npx tsx bench/serve-live.ts [--live 1000,10000,100000] [--pairs 3000] [--concurrency 8]
 *       [--rounds 3] [--root DIR] [--vs-root DIR] [--dir DIR] [--label NAME]
 *
 * `--root DIR` runs another checkout's service (its `src/` through tsx) instead of this one's;
 * `--vs-root DIR` runs a second checkout (a worktree of an earlier commit) in the same run,
 * alternating with the first (in reverse order every other round), and prints the ratio
 * first/second of each figure. Each figure is the median over `--rounds`. `--dir` holds the state
 * files (default the system's temporary folder; a tmpfs such as /dev/shm takes the fsync out of
 * the figures, leaving the server's own work).
 * Writes bench/results/serve-live-<label>.json.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ResourceScheduler, SqliteStore } from '../src/scheduler/index.js';
import { machine, RESULTS_DIR } from './common.js';
import { startServeChild } from './serve-child.js';

const args = (() => {
  try {
    return parseArgs({
      options: {
        live: { type: 'string', default: '1000,10000,100000' },
        pairs: { type: 'string', default: '3000' },
        concurrency: { type: 'string', default: '8' },
        rounds: { type: 'string', default: '3' },
        root: { type: 'string' },
        'vs-root': { type: 'string' },
        dir: { type: 'string' },
        label: { type: 'string', default: 'latest' },
      },
    }).values;
  } catch (e) {
    console.error(`bench/serve-live.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
function wholeList(name: string, text: string, min: number): number[] {
  const xs = text.split(',').map((x) => Number(x.trim()));
  if (text.trim() === '' || xs.some((x) => !Number.isInteger(x) || x < min)) {
    console.error(`bench/serve-live.ts: --${name}: expected whole numbers >= ${min} separated by commas, got ${text}`);
    process.exit(2);
  }
  return xs;
}
const LIVE = wholeList('live', args.live, 0);
const PAIRS = wholeList('pairs', args.pairs, 1)[0] as number;
const CONCURRENCY = wholeList('concurrency', args.concurrency, 1)[0] as number;
const ROUNDS = wholeList('rounds', args.rounds, 1)[0] as number;
const HERE = path.resolve(args.root ?? path.join(import.meta.dirname, '..'));
const OTHER = args['vs-root'] === undefined ? undefined : path.resolve(args['vs-root']);
const NODES = 1600;
const NODE_CPUS = 128;
if (Math.max(...LIVE) > (NODES * NODE_CPUS) / 2) {
  console.error(`bench/serve-live.ts: --live: at most ${(NODES * NODE_CPUS) / 2} live allocations (half of ${NODES} nodes of ${NODE_CPUS} CPUs), got ${Math.max(...LIVE)}`);
  process.exit(2);
}
const TOKEN = 'live-alpha-token-0123456789';
const tmp = mkdtempSync(path.join(args.dir ?? os.tmpdir(), 'drs-live-'));

/** A state file with `live` running allocations of tenant alpha (built once per size, copied for each run). */
async function buildState(live: number): Promise<string> {
  const file = path.join(tmp, `live-${live}.db`);
  const s = await ResourceScheduler.create({
    store: new SqliteStore(file),
    durability: 'group',
    timers: false,
    pools: [{ name: 'p', capacity: { cpu: NODE_CPUS, memory: NODE_CPUS * 4 }, nodes: NODES }],
  });
  for (let i = 0; i < live; i++) {
    const r = s.allocate({ id: `live${i}`, tenant: 'alpha', units: 1 }, 24 * 3_600_000);
    if (r.status !== 'allocated') throw new Error(`live${i} was ${r.status}`);
    if (i % 5000 === 4999) await s.durable();
  }
  await s.shutdown();
  return file;
}

interface Child {
  readonly url: URL;
  stop(): Promise<void>;
}
async function startServer(root: string, stateFile: string): Promise<Child> {
  const config = {
    tokens: [{ token: TOKEN, tenant: 'alpha' }],
    stateFile,
    limits: { requestsPerSecond: 0, outstandingPerTenant: 1_000_000 },
  };
  const child = await startServeChild(root, config);
  return { url: new URL(child.url), stop: () => child.stop() };
}

function send(agent: http.Agent, base: URL, method: string, p: string, body?: unknown): Promise<number> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path: p, agent, headers: { authorization: `Bearer ${TOKEN}`, ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

interface Run {
  readonly pairsPerSecond: number;
  readonly postP50: number;
  readonly postP99: number;
}
/** `pairs` POST + DELETE pairs over CONCURRENCY connections; POST latencies. */
async function drive(base: URL, pairs: number, tag: string): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < pairs) {
        const id = `${tag}-${next++}`;
        const t = performance.now();
        const st = await send(agent, base, 'POST', '/v1/allocations', { id, units: 1, durationMs: 3_600_000 });
        lat.push(performance.now() - t);
        if (st !== 201) throw new Error(`POST ${id}: ${st}`);
        const del = await send(agent, base, 'DELETE', `/v1/allocations/${id}`);
        if (del !== 200) throw new Error(`DELETE ${id}: ${del}`);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number;
  return { pairsPerSecond: pairs / secs, postP50: q(0.5), postP99: q(0.99) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const roots = OTHER === undefined ? [{ name: 'first', root: HERE }] : [{ name: 'first', root: HERE }, { name: 'second', root: OTHER }];
const results: { live: number; root: string; runs: Run[] }[] = [];
try {
  for (const live of LIVE) {
    const state = await buildState(live);
    const runs = new Map<string, Run[]>(roots.map((r) => [r.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of round % 2 === 0 ? roots : [...roots].reverse()) {
        const copy = path.join(tmp, `run-${r.name}.db`);
        for (const ext of ['', '-wal', '-shm']) rmSync(copy + ext, { force: true });
        copyFileSync(state, copy);
        const server = await startServer(r.root, copy);
        try {
          await drive(server.url, 200, `warm${round}`);
          const run = await drive(server.url, PAIRS, `m${round}`);
          runs.get(r.name)?.push(run);
          console.log(`live ${live}, ${r.name} (${r.root}), round ${round + 1}: ${run.pairsPerSecond.toFixed(0)} pairs/s, POST p50 ${run.postP50.toFixed(2)} ms, p99 ${run.postP99.toFixed(2)} ms`);
        } finally {
          await server.stop();
        }
      }
    }
    for (const r of roots) results.push({ live, root: r.root, runs: runs.get(r.name) as Run[] });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

console.log(`\nmedians of ${ROUNDS} rounds, ${PAIRS} POST+DELETE pairs each, ${CONCURRENCY} connections (load average ${os.loadavg()[0]?.toFixed(1)}):`);
const summary = results.map((x) => ({ live: x.live, root: x.root, pairsPerSecond: median(x.runs.map((r) => r.pairsPerSecond)), postP50: median(x.runs.map((r) => r.postP50)), postP99: median(x.runs.map((r) => r.postP99)) }));
for (const live of LIVE) {
  const [a, b] = summary.filter((x) => x.live === live);
  if (a === undefined) continue;
  const line = (x: typeof a): string => `${x.pairsPerSecond.toFixed(0)} pairs/s, POST p50 ${x.postP50.toFixed(2)} ms, p99 ${x.postP99.toFixed(2)} ms`;
  console.log(`live ${String(live).padStart(7)}: first ${line(a)}${b === undefined ? '' : ` | second ${line(b)} | first/second: pairs/s ${(a.pairsPerSecond / b.pairsPerSecond).toFixed(2)}, p50 ${(a.postP50 / b.postP50).toFixed(2)}, p99 ${(a.postP99 / b.postP99).toFixed(2)}`}`);
}
mkdirSync(RESULTS_DIR, { recursive: true });
const out = path.join(RESULTS_DIR, `serve-live-${args.label}.json`);
writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { live: LIVE, pairs: PAIRS, concurrency: CONCURRENCY, rounds: ROUNDS, roots: roots.map((r) => r.root) }, summary, results }, null, 2)}\n`);
console.log(`wrote ${out}`);
