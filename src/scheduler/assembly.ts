import type { Allocator, SolverReport } from '../algorithms/allocator.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import { DependencyTracker } from '../engine/dependencies.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { AllocationBook } from './allocations.js';
import type { TypedEmitter } from './emitter.js';
import { RequestBuilder } from './inputs.js';
import { NodeOperations } from './nodes.js';
import { RequestOperations } from './operations.js';
import { checkScalingTargets, queueOptionsOf, type ResourceSchedulerOptions } from './options.js';
import { Placer } from './placement.js';
import type { Pools } from './pools.js';
import { StrategyPreparation } from './preparation.js';
import { QueueRunner } from './queue-runner.js';
import { RecentlyEnded } from './recent.js';
import { restore } from './restore.js';
import { Runtime, type Tx } from './runtime.js';
import { Autoscaler } from './scaling.js';
import { MemoryStore, type StateStore } from './store.js';
import { resolveQueuePolicy, resolveScalingPolicy, resolveStrategy } from './strategies.js';
import type { SchedulerEvents } from './types.js';
import { SloBook } from './slo.js';
import { SchedulerViews } from './views.js';
import { WaitQueue } from './wait-queue.js';

/** The parts a ResourceScheduler is made of, wired together (see `assembleScheduler`). */
export interface SchedulerParts {
  readonly store: StateStore;
  readonly runtime: Runtime;
  readonly ended: RecentlyEnded;
  /** The strategy as given (without the preemption wrapper). */
  readonly allocator: Allocator;
  readonly preparation: StrategyPreparation;
  readonly queue: WaitQueue;
  readonly space: ResourceSpace;
  readonly pools: Pools;
  readonly book: AllocationBook;
  readonly scalingPolicy: ScalingPolicy | undefined;
  readonly autoscaler: Autoscaler | undefined;
  readonly queuePolicy: QueuePolicy | undefined;
  readonly views: SchedulerViews;
  readonly dependencies: DependencyTracker;
  readonly queueRunner: QueueRunner;
  readonly operations: RequestOperations;
  readonly nodes: NodeOperations;
  readonly requests: RequestBuilder;
  /** Queue waits and SLO outcomes (the counts continue from the store's). */
  readonly slo: SloBook;
}

/**
 * Build and wire the parts of a ResourceScheduler from its options: the strategies (resolved by
 * name), the state restored from the store (pools, allocations, the wait queue and the event log
 * continue where it left off), and the operations over them. `onSolver` gets every batch
 * strategy's report on a decision. The scheduler adds the configured pools and starts its timers.
 */
export function assembleScheduler(options: ResourceSchedulerOptions, events: TypedEmitter<SchedulerEvents>, onSolver: (report: SolverReport, tx: Tx) => void): SchedulerParts {
  const store = options.store ?? new MemoryStore();
  const clock = options.clock ?? Date.now;
  const runtime = new Runtime(store, clock, events, options.durability === 'group', options.onBackgroundError);
  const ended = new RecentlyEnded(options.recentLimit ?? 10_000);

  // Strategies.
  const { allocator, preempting } = resolveStrategy(options.strategy ?? 'best-fit-decreasing', options.preemption);
  // H1: the strategy's asynchronous setup starts now; decisions wait for it (see ready()).
  const preparation = new StrategyPreparation(allocator);
  // As in the simulator: the strategy's randomness is a fork of the run's seed named after it.
  // Named after the allocator the pass offers its batches to (the simulator's `allocator`).
  const lead = options.quotas === undefined && preempting !== undefined ? preempting : allocator;
  const rng = new Rng(options.seed ?? 1).fork(`allocator:${lead.name}`);
  const qo = queueOptionsOf(options.queue);
  const { space, fair, pools, book, snapshot, initial } = restore(store, { dimensions: options.dimensions, quotas: options.quotas, ended, clock, ...(options.preemptionLimit !== undefined ? { preemptionLimit: options.preemptionLimit } : {}) });
  checkScalingTargets(options, pools.state.pools.map((p) => p.name), space.names); // the store's pools are known now
  // A utilization `dimension` written as a name is resolved in the dimensions, known now.
  const scalingPolicy = options.scaling === undefined ? undefined : resolveScalingPolicy(options.scaling, options.seed ?? 1, space.names);
  const autoscaler = scalingPolicy === undefined ? undefined : new Autoscaler(scalingPolicy);
  // A widthDimension is checked against (and a name resolved in) the dimensions, known now.
  const queuePolicy = qo === undefined ? undefined : resolveQueuePolicy(qo.policy ?? 'priority', qo.options, space.names);
  // Kept in the policy's order when it has a static key (a pass then needs no sort).
  const queue = new WaitQueue(qo?.timeoutMs ?? 60_000, qo?.maxLength ?? 10_000, queuePolicy);
  // H4: the wait queue, the ended ids and the event log continue where the store left off.
  queue.restore(snapshot.waiting);
  runtime.lastEventId = snapshot.lastEventId;
  // The SLO counts continue too, and the restored queue's requests are counted when they start or leave.
  const slo = new SloBook();
  slo.restore(snapshot.slo, snapshot.waiting);
  runtime.addJournal(() => queue.takeJournal());
  runtime.addJournal(() => ended.takeJournal());
  runtime.addJournal(() => slo.takeJournal());
  if (initial.length > 0) runtime.append(initial);
  const budgetMs = options.budgetMs ?? 100;
  const placer = new Placer({ cluster: pools, book, fair, allocator, rng, budgetMs });
  // H1: dependencies are found in the scheduler itself (queued, live, or recently ended ids).
  const views = new SchedulerViews(pools, book, queue, ended);
  const dependencies = new DependencyTracker((id) => views.dependency(id));
  // Restored requests with dependencies or a concurrency group are screened as new ones are (validate).
  if (snapshot.waiting.some((w) => w.request.concurrency !== undefined)) dependencies.grouped = true;
  if (snapshot.waiting.some((w) => (w.request.dependsOn?.length ?? 0) > 0)) dependencies.used = true;
  const queueRunner = new QueueRunner({
    policy: queuePolicy,
    queue,
    book,
    fair,
    cluster: pools,
    ended,
    dependencies,
    allocator,
    preempting,
    rng,
    budgetMs,
    onSolver,
    isReady: () => preparation.prepared,
    requeuePreempted: qo?.requeuePreempted === true,
    slo,
  });
  // The queue's committed head (headOfLine: commit) continues too.
  queueRunner.restoreCommittedHead(snapshot.committedHead);
  runtime.addJournal(() => queueRunner.takeJournal());
  const operations = new RequestOperations({
    pools,
    book,
    queue,
    ended,
    placer,
    queueRunner,
    queuePolicy,
    autoscaler,
    slo,
  });
  const nodes = new NodeOperations(pools, book, queueRunner);
  const requests = new RequestBuilder({ space, pools, newId: options.newId ?? (() => crypto.randomUUID()), clock, defaultLeaseMs: options.defaultLeaseMs, sloWaitMs: options.sloWaitMs });
  return { store, runtime, ended, allocator, preparation, queue, space, pools, book, scalingPolicy, autoscaler, queuePolicy, views, dependencies, queueRunner, operations, nodes, requests, slo };
}
