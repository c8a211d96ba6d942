/**
 * Restart cost of `drs serve`'s state: does recovery grow with the live state, or with history?
 *
 * Builds a state (SQLite file, or a fresh PostgreSQL database with `--postgres`) holding `--live`
 * running allocations, then adds history in steps — each step one preemption (a low-priority
 * request placed, a critical one taking its node, then released), i.e. ended ids, events, a
 * preemption record and three audit records — and after each step measures a restart: open the
 * store and build the scheduler from it (`ResourceScheduler.create`, which loads and restores
 * everything), median of `--rounds`. Also the heap a restored scheduler holds (after a forced GC,
 * with `node --expose-gc`).
 *
 *   node --expose-gc --import tsx bench/serve-restart.ts [--live 2000] [--steps 0,20000,100000]
 *       [--rounds 5] [--postgres] [--root DIR] [--label NAME]
 *
 * `--root` runs another checkout's `src/` (a worktree of an earlier commit: the "before" figures).
 * Writes bench/results/serve-restart-<label>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as SchedulerLib from '../src/scheduler/index.js';
import type * as PgStoreLib from '../src/scheduler/pg-store.js';
import { machine, RESULTS_DIR } from './common.js';
import pg from 'pg';
import { createDatabase, pgAdmin } from './pg-admin.js';

const args = (() => {
  try {
    return parseArgs({
      options: {
        live: { type: 'string', default: '2000' },
        steps: { type: 'string', default: '0,20000,100000' },
        rounds: { type: 'string', default: '5' },
        postgres: { type: 'boolean', default: false },
        root: { type: 'string' },
        label: { type: 'string' },
      },
    }).values;
  } catch (e) {
    console.error(`bench/serve-restart.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
function wholeList(name: string, text: string): number[] {
  const xs = text.split(',').map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0)) {
    console.error(`bench/serve-restart.ts: --${name}: expected whole numbers >= 0 separated by commas, got ${text}`);
    process.exit(2);
  }
  return xs;
}
const LIVE = wholeList('live', args.live)[0] as number;
const STEPS = wholeList('steps', args.steps).sort((a, b) => a - b);
const ROUNDS = Math.max(1, wholeList('rounds', args.rounds)[0] as number);
const ROOT = path.resolve(args.root ?? path.join(import.meta.dirname, '..'));
const LABEL = args.label ?? (args.postgres ? 'postgres' : 'sqlite');
const gc = (globalThis as { gc?: () => void }).gc;

// The scheduler of the checkout under test.
type Lib = typeof SchedulerLib;
type PgLib = typeof PgStoreLib;
const lib = (await import(path.join(ROOT, 'src/scheduler/index.ts'))) as Lib;
const pgLib = (await import(path.join(ROOT, 'src/scheduler/pg-store.ts'))) as PgLib;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'drs-restart-'));
const file = path.join(tmp, 'state.db');
const pgDb = `drs_restart_${process.pid}`;
let pgUrl: string | undefined;
if (args.postgres) {
  pgUrl = await createDatabase(pgDb);
}

const openStore = async (): Promise<InstanceType<Lib['SqliteStore']> | Awaited<ReturnType<PgLib['PgStore']['open']>>> => (pgUrl !== undefined ? pgLib.PgStore.open(pgUrl, 0) : new lib.SqliteStore(file));
const options = {
  timers: false,
  preemption: true,
  durability: 'group' as const,
  pools: [
    { name: 'live', capacity: { cpu: 64, memory: 256 }, nodes: Math.max(1, Math.ceil(LIVE / 64)) },
    { name: 'churn', capacity: { cpu: 4, memory: 16 }, nodes: 1 },
  ],
};

let s = await lib.ResourceScheduler.create({ ...options, store: await openStore() });
for (let i = 0; i < LIVE; i++) {
  if (s.allocate({ id: `live${i}`, pool: 'live', units: 1 }).status !== 'allocated') throw new Error(`live${i} was not placed`);
}
await s.durable();

interface Row {
  readonly steps: number;
  readonly restartMs: number[];
  readonly medianMs: number;
  readonly preemptionsLoaded: number;
  readonly heapMiB: number;
  readonly storeMiB: number;
}
const rows: Row[] = [];
let done = 0;
const audit = (i: number, result: string) => ({ atMs: i, actor: 'admin#00000000', method: 'POST', route: '/v1/allocations', target: `h${i}`, status: 201, result });
for (const target of STEPS) {
  for (; done < target; done++) {
    s.allocate({ id: `low${done}`, pool: 'churn', units: 4, priority: 'low', preemptible: true });
    s.appendAudit(audit(done, 'allocated'));
    s.allocate({ id: `crit${done}`, pool: 'churn', units: 4, priority: 'critical' });
    s.appendAudit(audit(done, 'allocated'));
    s.release(`crit${done}`);
    s.appendAudit(audit(done, 'released'));
    if (done % 500 === 499) await s.durable();
  }
  await s.shutdown();
  const times: number[] = [];
  let loaded = 0;
  let heap = 0;
  for (let r = 0; r < ROUNDS; r++) {
    gc?.();
    const t = performance.now();
    s = await lib.ResourceScheduler.create({ ...options, store: await openStore() });
    times.push(performance.now() - t);
    loaded = s.getPreemptions().length;
    if (s.allocationCount !== LIVE) throw new Error(`restored ${s.allocationCount} allocations, expected ${LIVE}`);
    if (r === ROUNDS - 1) break; // the last one goes on with the history
    gc?.();
    heap = process.memoryUsage().heapUsed / 2 ** 20;
    await s.shutdown();
  }
  const storeMiB = await storeSize();
  const sorted = [...times].sort((a, b) => a - b);
  const row: Row = { steps: target, restartMs: times.map((x) => Math.round(x * 10) / 10), medianMs: sorted[Math.floor(sorted.length / 2)] as number, preemptionsLoaded: loaded, heapMiB: heap, storeMiB };
  rows.push(row);
  console.log(`${LABEL}: ${LIVE} live, ${target} history steps: restart median ${row.medianMs.toFixed(1)} ms (${row.restartMs.join(', ')}), ${loaded} preemption records loaded, heap ${heap.toFixed(1)} MiB, store ${storeMiB.toFixed(1)} MiB`);
}
await s.shutdown();
if (pgUrl !== undefined) await pgAdmin(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
rmSync(tmp, { recursive: true, force: true });

async function storeSize(): Promise<number> {
  if (pgUrl === undefined) {
    let b = 0;
    for (const f of [file, `${file}-wal`]) {
      try {
        b += statSync(f).size;
      } catch {
        /* none */
      }
    }
    return b / 2 ** 20;
  }
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    const r = await c.query<{ b: string }>(`SELECT sum(pg_total_relation_size(c.oid))::text AS b FROM pg_class c WHERE c.relname LIKE 'drs\\_%' AND c.relkind = 'r'`);
    return Number(r.rows[0]?.b ?? 0) / 2 ** 20;
  } finally {
    await c.end();
  }
}

mkdirSync(RESULTS_DIR, { recursive: true });
const out = path.join(RESULTS_DIR, `serve-restart-${LABEL}.json`);
writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { live: LIVE, steps: STEPS, rounds: ROUNDS, root: ROOT }, rows }, null, 2)}\n`);
console.log(`wrote ${out}`);
