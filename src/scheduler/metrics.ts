import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PRIORITIES } from '../core/priority.js';
import type { ResourceScheduler } from './scheduler.js';
import { WAIT_BUCKETS } from './slo.js';

/**
 * Prometheus metrics of one service (its own Registry, so several servers in one process, as in
 * tests, do not collide):
 *
 * - `drs_allocations_total{pool}`: allocations started (directly or from the queue).
 * - `drs_rejections_total{code}`: requests refused, by rejection code.
 * - `drs_ended_total{how}`: allocations that ended: released, expired, preempted, lost; and queued
 *   requests that timed out.
 * - `drs_pool_utilization{pool,dimension}`: allocated ÷ capacity of the pool's up nodes (no sample without capacity).
 * - `drs_pool_nodes{pool,state}`: up, booting and failed nodes.
 * - `drs_pool_node_hours_total{pool}`, `drs_pool_cost_total{pool}`: node-hours and cost billed
 *   (the simulator's rule: provisioning to removal, booting and failed time included), kept in the
 *   store, so they continue across restarts; `drs_pool_cost_per_hour{pool}`: the rate now.
 *   Counters read at scrape time through `listPoolsDurably()`: billed as of a time stored first,
 *   so a restart on a clock behind never shows them lower (a drop would read as a reset).
 * - `drs_allocations_active`, `drs_queue_length`.
 * - `drs_wait_seconds{priority}`: histogram of queue waits, submission to first start (0 when placed
 *   at once; requeued work is not observed again), as the simulator's wait (slo.ts); this
 *   process's observations (empty at start, like any counter after a restart).
 * - `drs_slo_total{priority,outcome=met|missed}`: SLO outcomes as the simulator decides them
 *   (`sloAttainment()`, read at scrape time: kept in the store, so they continue across
 *   restarts); a class appears once it has an outcome.
 * - `drs_solver_decisions_total{strategy,status,stopped_by}`: decisions of batch strategies (ILP,
 *   genetic) by solver status and by what ended the search (converged, work, wall).
 * - `drs_http_request_duration_seconds{method,route,status_code}`: request latency histogram.
 * - Node.js process metrics (prom-client defaults), prefixed `drs_`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(scheduler: ResourceScheduler) {
    const registers = [this.registry];
    const allocations = new Counter({ name: 'drs_allocations_total', help: 'Allocations started, by pool', labelNames: ['pool'], registers });
    const rejections = new Counter({ name: 'drs_rejections_total', help: 'Requests refused, by rejection code', labelNames: ['code'], registers });
    const solver = new Counter({
      name: 'drs_solver_decisions_total',
      help: 'Batch-strategy decisions by solver status and what stopped the search',
      labelNames: ['strategy', 'status', 'stopped_by'],
      registers,
    });
    const ended = new Counter({ name: 'drs_ended_total', help: 'Allocations ended (released, expired, preempted, lost on a failed node) and queued requests timed out', labelNames: ['how'], registers });
    this.httpDuration = new Histogram({
      name: 'drs_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    new Gauge({
      name: 'drs_pool_utilization',
      help: 'Allocated / capacity of the up nodes of a pool, per dimension',
      labelNames: ['pool', 'dimension'],
      registers,
      collect() {
        this.reset();
        for (const p of scheduler.listPools()) for (const [dim, u] of Object.entries(p.utilization)) if (u !== null) this.set({ pool: p.name, dimension: dim }, u);
      },
    });
    new Gauge({
      name: 'drs_pool_nodes',
      help: 'Nodes of a pool by state',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset();
        for (const p of scheduler.listPools()) {
          this.set({ pool: p.name, state: 'up' }, p.nodes.up);
          this.set({ pool: p.name, state: 'booting' }, p.nodes.booting);
          this.set({ pool: p.name, state: 'failed' }, p.nodes.failed);
        }
      },
    });
    new Counter({
      name: 'drs_pool_node_hours_total',
      help: 'Node-hours billed to a pool (provisioning to removal; booting and failed nodes included)',
      labelNames: ['pool'],
      registers,
      async collect() {
        const pools = await scheduler.listPoolsDurably();
        this.reset();
        for (const p of pools) this.inc({ pool: p.name }, p.billing.nodeHours);
      },
    });
    new Counter({
      name: 'drs_pool_cost_total',
      help: 'Cost billed to a pool: node-hours x pricePerHour',
      labelNames: ['pool'],
      registers,
      async collect() {
        const pools = await scheduler.listPoolsDurably();
        this.reset();
        for (const p of pools) this.inc({ pool: p.name }, p.billing.cost);
      },
    });
    new Gauge({
      name: 'drs_pool_cost_per_hour',
      help: 'Cost per hour of the nodes of a pool billed now (booting, up, failed)',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const p of scheduler.listPools()) this.set({ pool: p.name }, p.billing.costPerHour);
      },
    });
    new Gauge({
      name: 'drs_allocations_active',
      help: 'Live allocations',
      registers,
      collect() {
        this.set(scheduler.allocationCount);
      },
    });
    new Gauge({
      name: 'drs_queue_length',
      help: 'Requests waiting in the queue',
      registers,
      collect() {
        this.set(scheduler.queueLength);
      },
    });
    const waits = new Histogram({
      name: 'drs_wait_seconds',
      help: 'Queue wait, submission to first start (0 when placed at once), by priority class',
      labelNames: ['priority'],
      buckets: [...WAIT_BUCKETS],
      registers,
    });
    new Counter({
      name: 'drs_slo_total',
      help: 'SLO outcomes by priority class: met = started within its SLO wait; missed = started later, rejected, timed out, or still waiting past it',
      labelNames: ['priority', 'outcome'],
      registers,
      collect() {
        this.reset();
        const by = scheduler.sloAttainment().byPriority;
        for (const p of PRIORITIES) {
          const c = by[p];
          if (c.withSlo === 0) continue;
          this.inc({ priority: p, outcome: 'met' }, c.met);
          this.inc({ priority: p, outcome: 'missed' }, c.missed);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'drs_' });
    this.unsubscribe.push(
      scheduler.observeSlo({ wait: (priority, seconds) => waits.observe({ priority }, seconds) }),
      scheduler.on('allocated', (e) => allocations.inc({ pool: e.allocation.pool })),
      scheduler.on('rejected', (e) => rejections.inc({ code: e.rejection.code })),
      scheduler.on('released', () => ended.inc({ how: 'released' })),
      scheduler.on('expired', () => ended.inc({ how: 'expired' })),
      scheduler.on('preempted', () => ended.inc({ how: 'preempted' })),
      scheduler.on('lost', () => ended.inc({ how: 'lost' })),
      scheduler.on('timed-out', () => ended.inc({ how: 'timed-out' })),
      scheduler.on('cancelled', () => ended.inc({ how: 'cancelled' })),
      scheduler.on('solver', (e) => solver.inc({ strategy: scheduler.allocator.name, status: e.report.status, stopped_by: e.report.stoppedBy })),
    );
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.registry.clear();
  }
}
