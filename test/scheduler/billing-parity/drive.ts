import type { ScalingPolicy } from '../../../src/autoscale/policy.js';
import type { PoolSpec, Request } from '../../../src/core/model.js';
import type { BuiltScenario } from '../../../src/scenario/build.js';
import { compareStrategies } from '../../../src/sim/compare.js';
import { EV, type EventLog } from '../../../src/sim/log.js';
import type { PoolMetrics, RunMetrics } from '../../../src/sim/metrics/types.js';
import { ResourceScheduler, type ResourceSchedulerOptions, type StateStore } from '../../../src/scheduler/index.js';

/**
 * The two sides of the billing parity test (../billing-parity.test.ts), each reduced to the same
 * record: the timeline of nodes and work ("ms kind pool node" / "ms start id node" lines), and per
 * pool the node-hours, cost and most nodes billed at once over [0, horizon].
 */
export interface Side {
  readonly lines: readonly string[];
  readonly byPool: Readonly<Record<string, Pick<PoolMetrics, 'nodeHours' | 'cost' | 'peakNodes'> & { readonly billedAtEnd: number }>>;
}

/** The simulator as `drs run` runs it (compareStrategies over the built scenario), its first strategy only. */
export async function simulate(built: BuiltScenario): Promise<Side & { readonly metrics: RunMetrics; readonly log: EventLog }> {
  let log: EventLog | undefined;
  const res = await compareStrategies({ ...built, strategies: built.strategies.slice(0, 1), onLog: (_i, _l, l) => void (log = l) });
  const r = res.results[0];
  if (r?.state !== 'completed' || log === undefined) throw new Error(`the simulation failed: ${JSON.stringify(r)}`);
  const end = r.simulatedSeconds;
  // The nodes the run removes at its end stand for those production still bills then; a scaling
  // tick at that instant would remove nodes the log could not tell from them.
  if (log.scaleTicks.some((s) => s.t === end)) throw new Error(`a scaling tick falls on the run's end (${end} s): choose a horizon between ticks`);
  const initial = built.pools.reduce((n, p) => n + p.nodes.initial, 0);
  const lines: string[] = [];
  const failed = new Set<number>();
  const billedAtEnd = new Map<string, number>();
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const ms = log.time(i) * 1000;
    const node = log.node(i);
    const pool = (log.pools[log.nodePool[node] ?? 0] as PoolSpec).name;
    if (k === EV.start) lines.push(`${ms} start ${(log.requests[log.ref(i)] as Request).id} ${node}`);
    // The pools' first nodes are billed from 0 on both sides, without an event in production.
    else if ((k === EV.nodeProvision || k === EV.nodeUp) && node < initial && log.time(i) === 0) continue;
    else if (k === EV.nodeProvision) lines.push(`${ms} provision ${pool} ${node}`);
    else if (k === EV.nodeUp) lines.push(`${ms} ${failed.delete(node) ? 'repair' : 'up'} ${pool} ${node}`);
    else if (k === EV.nodeFail) {
      failed.add(node);
      lines.push(`${ms} fail ${pool} ${node}`);
    } else if (k === EV.nodeRemove && log.time(i) === end) billedAtEnd.set(pool, (billedAtEnd.get(pool) ?? 0) + 1);
    else if (k === EV.nodeRemove) lines.push(`${ms} remove ${pool} ${node}`);
  }
  const byPool: Record<string, Side['byPool'][string]> = {};
  for (const [name, m] of Object.entries(r.metrics.byPool)) byPool[name] = { nodeHours: m.nodeHours, cost: m.cost, peakNodes: m.peakNodes, billedAtEnd: billedAtEnd.get(name) ?? 0 };
  return { lines, byPool, metrics: r.metrics, log };
}

/**
 * A ResourceScheduler (timers off, a virtual clock) driven through the same run: the same pools,
 * requests (the built scenario's stream), allocator, queue policy and a fresh object of the same
 * scaling policy. The harness calls `scale()` at the simulator's scaling ticks (0, every
 * `intervalSeconds`, up to the horizon), `tick()` when a provisioned node's boot is over,
 * `allocate` at each arrival, `release` when the work is done, `failNode` / `repairNode` at the
 * scenario's failure events (the lowest node id up in the pool, as the simulator picks it). Events
 * at one instant run in the simulator kernel's order (time, then order scheduled), though the test
 * keeps instants apart. Billing is read at the horizon, where the simulator removes every node.
 * With `restart`, the scheduler is shut down at that instant and a new one restored from the store.
 */
/** Restart production at `at` (seconds) from `store()` (called once per start, the same store each time). */
export interface Restart {
  readonly at: number;
  readonly store: () => StateStore;
}

export async function produce(built: BuiltScenario, restart?: Restart): Promise<Side & { readonly ops: Readonly<Record<string, number>> }> {
  const strategy = built.strategies[0];
  const horizon = built.horizon;
  if (strategy?.scaling === undefined || horizon === undefined) throw new Error('the drive needs a scaling policy and a horizon');
  const policy: ScalingPolicy = strategy.scaling();
  const space = built.space;
  let now = 0;
  const options = (): ResourceSchedulerOptions => ({
    dimensions: space.names,
    clock: () => now,
    timers: false,
    seed: built.seed,
    strategy: strategy.allocator(),
    queue: { policy: strategy.queue(), timeoutMs: 1e12, requeuePreempted: true },
    scaling: policy,
    ...(restart !== undefined ? { store: restart.store() } : {}),
    pools: built.pools.map((p) => ({ name: p.name, capacity: space.record(p.capacity), nodes: { ...p.nodes }, pricePerHour: p.pricePerHour, latencyMs: p.latencyMs, bootSeconds: p.bootSeconds, labels: p.labels })),
  });
  let sched = new ResourceScheduler(options());
  await sched.ready();
  const ops: Record<string, number> = {};
  const op = (kind: string): void => void (ops[kind] = (ops[kind] ?? 0) + 1);
  const lines: string[] = [];
  const peak = new Map<string, number>();
  const notePeak = (): void => {
    for (const p of sched.listPools()) peak.set(p.name, Math.max(peak.get(p.name) ?? 0, p.billing.billedNodes));
  };
  notePeak();

  type Ev = { readonly ms: number; readonly seq: number; readonly run: () => void | Promise<void> };
  const events: Ev[] = [];
  let seq = 0;
  const schedule = (ms: number, run: () => void | Promise<void>): void => void events.push({ ms, seq: seq++, run });

  // Nodes up now, by pool, in id order (the failure events take the lowest).
  const up = new Map<string, number[]>();
  let nextId = 0;
  for (const p of built.pools) up.set(p.name, Array.from({ length: p.nodes.initial }, () => nextId++));
  const upOf = (pool: string): number[] => up.get(pool) as number[];
  const bringUp = (pool: string, id: number): void => {
    upOf(pool).push(id);
    upOf(pool).sort((a, b) => a - b);
  };
  const takeDown = (pool: string, id: number): void => void upOf(pool).splice(upOf(pool).indexOf(id), 1);

  const requests: Request[] = [];
  for await (const r of built.requests()) requests.push(r);
  const byId = new Map(requests.map((r) => [r.id, r]));
  const live = new Map<string, number>(); // request id → token of its pending release
  const listen = (): void => {
    sched.on('allocated', (e) => {
      const r = byId.get(e.allocation.id) as Request;
      lines.push(`${now} start ${r.id} ${e.allocation.nodeId}`);
      const token = seq;
      live.set(r.id, token);
      schedule(now + r.duration * 1000, () => {
        if (live.get(r.id) !== token) return; // its node failed since (requeued)
        op('release');
        live.delete(r.id);
        sched.release(r.id);
      });
    });
    sched.on('lost', (e) => void live.delete(e.allocation.id));
    sched.on('rejected', (e) => lines.push(`${now} reject ${e.requestId} ${e.rejection.code}`));
    sched.on('scaled', (e) => {
      lines.push(`${now} ${e.action} ${e.pool} ${e.nodeId}`);
      if (e.action === 'up') bringUp(e.pool, e.nodeId);
      else if (e.action === 'remove' && upOf(e.pool).includes(e.nodeId)) takeDown(e.pool, e.nodeId);
      if (e.action === 'provision') {
        const boot = (built.pools.find((p) => p.name === e.pool) as PoolSpec).bootSeconds;
        schedule(now + boot * 1000, () => {
          op('tick');
          sched.tick();
        });
      }
    });
    sched.on('node-failed', (e) => lines.push(`${now} fail ${e.pool} ${e.nodeId}`));
    sched.on('node-repaired', (e) => lines.push(`${now} repair ${e.pool} ${e.nodeId}`));
  };
  listen();

  // As the simulator's FailureInjector: its events are scheduled first, a repair when its node fails.
  for (const f of built.failures?.events ?? []) {
    schedule(f.at * 1000, () => {
      for (const id of upOf(f.pool).slice(0, f.count)) {
        takeDown(f.pool, id);
        op('failNode');
        if (sched.failNode(f.pool, id).status !== 'failed') throw new Error(`node ${id} of ${f.pool} did not fail`);
        if (f.repairAfter === undefined) continue;
        schedule((f.at + f.repairAfter) * 1000, () => {
          op('repairNode');
          const res = sched.repairNode(f.pool, id);
          // Retired by the autoscaler while failed (replaced on scale-out, or first on scale-in):
          // the simulator withdrew its repair too.
          if (res.status === 'not-failed' && res.nodeStatus === 'removed') return;
          if (res.status !== 'repaired') throw new Error(`node ${id} of ${f.pool} was not repaired`);
          bringUp(f.pool, id);
        });
      }
    });
  }
  const scaleAt = (ms: number): void =>
    schedule(ms, () => {
      op('scale');
      sched.scale();
      const next = ms + policy.intervalSeconds * 1000;
      if (next <= horizon * 1000) scaleAt(next);
    });
  scaleAt(0);

  if (restart !== undefined) {
    // The scheduler stops and a new one restores the store (allocations, queue, nodes with their
    // boot deadlines and billing times); the harness carries on as if nothing happened.
    schedule(restart.at * 1000, async () => {
      op('restart');
      await sched.shutdown();
      sched = new ResourceScheduler(options());
      listen();
      await sched.ready();
      // As ResourceScheduler.create: the first tick offers the restored queue what is free.
      sched.tick();
    });
  }
  const runUntil = async (limitMs: number): Promise<void> => {
    for (;;) {
      let best: Ev | undefined;
      for (const e of events) if (best === undefined || e.ms < best.ms || (e.ms === best.ms && e.seq < best.seq)) best = e;
      if (best === undefined || best.ms > limitMs) return;
      events.splice(events.indexOf(best), 1);
      now = best.ms;
      await best.run();
      notePeak();
    }
  };
  for (const r of requests) {
    if (r.arrival > horizon) break;
    await runUntil(r.arrival * 1000);
    now = r.arrival * 1000;
    op('allocate');
    sched.allocate({ id: r.id, tenant: r.tenant, priority: r.priority, demand: space.record(r.demand) });
    notePeak();
  }
  await runUntil(horizon * 1000);
  now = horizon * 1000;
  sched.checkInvariants();
  const byPool: Record<string, Side['byPool'][string]> = {};
  for (const p of sched.listPools()) byPool[p.name] = { nodeHours: p.billing.nodeHours, cost: p.billing.cost, peakNodes: peak.get(p.name) ?? 0, billedAtEnd: p.billing.billedNodes };
  await sched.shutdown();
  return { lines, byPool, ops };
}
