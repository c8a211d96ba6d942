import { UserError } from '../core/errors.js';
import { formatPath } from '../core/plain-issue.js';
import { ResourceScheduler, TypedEmitter, type AllocationInfo } from '../scheduler/index.js';
import { systemClock, type AgentClock } from './clock.js';
import { checkGraph } from './graph.js';
import { withTimeout } from './hooks.js';
import { ConditionWatcher, CronTicker } from './triggers.js';
import { dependenciesMet, LIVE, memoryAllows, pendingOrder } from './rules.js';
import type { AgentSchedulerOptions, AgentStatus, Run, RunContext } from './run.js';
import type { AgentEvents, AgentSpec, AgentState, FleetDefinition, HookName, RunState, TriggerCause } from './types.js';

export type { AgentSchedulerOptions, AgentStatus, LaunchHook, LifecycleHooks, Run, RunContext } from './run.js';

/**
 * kOS-style agent scheduling on top of ResourceScheduler: triggers (boot, cron, on-demand,
 * conditions, cascades), dependencies, `max_concurrent_agents`, the pending order of
 * `scheduler_mode`, timeouts, heartbeats, restart with backoff, lifecycle hooks, and a state per
 * agent with events. All time comes from `clock`.
 *
 * Pending runs are tried in one pass at the end of each instant (a 0 ms timer), so every trigger
 * of the same instant is seen before anything starts. A run starts when: fewer than
 * max_concurrent_agents runs are starting/running; its dependencies are satisfied; starting it
 * keeps allocated memory within max_memory_usage × total memory; and the ResourceScheduler
 * grants its resources.
 *
 * Restart backoff after the n-th consecutive crash: delay = min(initial × factor^(n-1), max);
 * n goes back to 1 after a run that completed or ran longer than `max` before crashing.
 */
export class AgentScheduler {
  readonly scheduler: ResourceScheduler;
  readonly fleet: FleetDefinition;
  readonly clock: AgentClock;
  private readonly events = new TypedEmitter<AgentEvents>();
  private readonly agents = new Map<string, AgentSpec>();
  private readonly runs = new Map<string, Run>();
  private readonly byAgent = new Map<string, Run[]>();
  private readonly counters = new Map<string, number>();
  private readonly crashes = new Map<string, number>();
  private readonly restarts = new Map<string, number>();
  private readonly totalCrashes = new Map<string, number>();
  private readonly cron: CronTicker;
  private readonly conditions: ConditionWatcher;
  private seq = 0;
  private active = 0;
  private pumpTimer: unknown;
  private started = false;
  private stopping = false;

  constructor(private readonly o: AgentSchedulerOptions) {
    this.fleet = o.fleet;
    this.clock = o.clock ?? systemClock;
    this.scheduler = o.scheduler ?? new ResourceScheduler({ pools: o.pools ?? [], clock: () => this.clock.now(), timers: false, preemption: o.fleet.config.allowPreemption });
    // A fleet built by hand (not by parseFleet) gets the same checks: no trigger cycle can spin.
    checkGraph(o.fleet.agents, (path) => ({ field: formatPath(path) }));
    o.fleet.agents.forEach((a, i) => {
      this.agents.set(a.id, a);
      this.byAgent.set(a.id, []);
      for (const k of Object.keys(a.resources)) if (!this.scheduler.space.has(k)) throw new UserError(`unknown resource '${k}' (the scheduler has: ${this.scheduler.space.names.join(', ')})`, { field: `agents[${i}].resources.${k}` });
      if (a.pool !== undefined && this.scheduler.getPool(a.pool) === undefined) throw new UserError(`unknown pool '${a.pool}'`, { field: `agents[${i}].pool` });
    });
    this.cron = new CronTicker(o.fleet.agents, this.clock, (id, at) => this.trigger(id, { kind: 'cron', at }));
    this.conditions = new ConditionWatcher(o.fleet.agents);
    // Agent events on `drs serve`'s event stream, when the scheduler can record custom events.
    const rec = (this.scheduler as unknown as { recordEvent?: (type: string, tenant: string | null, data: object) => void }).recordEvent;
    const publish = o.publish ?? (typeof rec === 'function' ? (type: string, tenant: string | null, data: object) => rec.call(this.scheduler, type, tenant, data) : undefined);
    if (publish !== undefined) {
      this.events.on('state', (e) => publish('agent-state', e.agentId, e));
      this.events.on('hook-timeout', (e) => publish('agent-hook-timeout', e.agentId, e));
    }
    this.releaseLeftovers();
    this.scheduler.on('preempted', (e) => {
      const run = this.runs.get(e.allocation.id);
      if (run !== undefined && (run.state === 'starting' || run.state === 'running')) this.suspend(run, e.record.reason);
    });
  }

  on<K extends keyof AgentEvents>(name: K, fn: (e: AgentEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }

  /** Start persistent agents and the cron schedules. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const a of this.fleet.agents) if (a.lifecycle === 'persistent') this.trigger(a.id, { kind: 'boot' });
    this.cron.start();
  }

  /** Trigger a run now (on-demand, or any agent by hand). Returns the run id. */
  trigger(agentId: string, cause: TriggerCause = { kind: 'on-demand' }): string {
    const agent = this.agents.get(agentId);
    if (agent === undefined) throw new UserError(`unknown agent '${agentId}' (registered: ${[...this.agents.keys()].join(', ')})`, { field: 'agent' });
    if (this.stopping) throw new UserError('the agent scheduler is stopped', { field: 'agent' });
    const list = this.byAgent.get(agentId) as Run[];
    const n = (this.counters.get(agentId) ?? 0) + 1;
    this.counters.set(agentId, n);
    const run: Run = { id: `${agentId}#${n}`, agent, cause, triggeredAt: this.clock.now(), seq: this.seq++, state: 'pending', waitedFor: new Set(), timers: [] };
    if (cause.kind === 'cascade') run.waitedFor.add(cause.from);
    list.push(run);
    this.runs.set(run.id, run);
    this.events.emit('triggered', { agentId, runId: run.id, cause, at: run.triggeredAt });
    this.events.emit('state', { agentId, runId: run.id, from: 'new', to: 'pending', at: run.triggeredAt });
    this.schedulePump();
    return run.id;
  }

  /** A named event for condition schedules. */
  emit(name: string): string[] {
    return this.conditions.onEvent(name).map((id) => this.trigger(id, { kind: 'condition', event: name }));
  }

  /** A metric value for condition schedules (fires on entering the condition's range). */
  setMetric(name: string, value: number): string[] {
    return this.conditions.onMetric(name, value).map((id) => this.trigger(id, { kind: 'condition', metric: name }));
  }

  /** The heartbeat of a run (also available as `ctx.heartbeat()`). */
  heartbeat(runId: string): void {
    const run = this.runs.get(runId);
    if (run === undefined || !LIVE.has(run.state)) return;
    this.watch(run);
    this.events.emit('heartbeat', { agentId: run.agent.id, runId, at: this.clock.now() });
  }

  getRun(id: string): Readonly<Run> | undefined {
    return this.runs.get(id);
  }

  /** Every run so far, in trigger order. */
  listRuns(agentId?: string): readonly Readonly<Run>[] {
    const all = agentId === undefined ? [...this.runs.values()] : [...(this.byAgent.get(agentId) ?? [])];
    return all.sort((a, b) => a.seq - b.seq);
  }

  /** The live status monitor: one line per agent. */
  status(): AgentStatus[] {
    return this.fleet.agents.map((a) => {
      const list = this.byAgent.get(a.id) as Run[];
      const last = list[list.length - 1];
      const current = [...list].reverse().find((r) => LIVE.has(r.state) || r.state === 'rebooting');
      const state: AgentState = current?.state ?? (last === undefined ? 'idle' : a.schedules.length > 0 ? 'sleeping' : last.state);
      const started = [...list].reverse().find((r) => r.startedAt !== undefined);
      return {
        id: a.id,
        state,
        lifecycle: a.lifecycle,
        priority: a.priority,
        runs: this.counters.get(a.id) ?? 0,
        crashes: this.totalCrashes.get(a.id) ?? 0,
        restarts: this.restarts.get(a.id) ?? 0,
        ...(current !== undefined ? { currentRun: current.id } : {}),
        ...(started?.startedAt !== undefined ? { lastStartedAt: started.startedAt } : {}),
      };
    });
  }

  /** Stop everything: no more triggers; live runs end as `stopped` (their onShutdown hooks run). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cron.stop();
    if (this.pumpTimer !== undefined) this.clock.clear(this.pumpTimer);
    const ends: Promise<void>[] = [];
    for (const run of this.runs.values()) {
      if (LIVE.has(run.state) || run.state === 'rebooting') ends.push(this.end(run, 'stopped', 'scheduler stopped'));
    }
    await Promise.all(ends);
  }

  // ---- the pass ------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpTimer !== undefined || this.stopping) return;
    this.pumpTimer = this.clock.setTimer(0, () => {
      this.pumpTimer = undefined;
      this.pump();
    });
  }

  private pump(): void {
    const pending = [...this.runs.values()].filter((r) => r.state === 'pending');
    for (const run of pendingOrder(pending, this.fleet.config.mode)) {
      if (this.active >= this.fleet.config.maxConcurrentAgents) return;
      if (!dependenciesMet(run, this.agents, this.byAgent) || !memoryAllows(run, this.scheduler, this.fleet.config.maxMemoryUsage)) continue;
      const a = run.agent;
      const res = this.scheduler.allocate({ id: run.id, tenant: a.id, demand: a.resources, priority: a.priority, preemptible: this.fleet.config.allowPreemption, ...(a.pool !== undefined ? { pool: a.pool } : {}) });
      switch (res.status) {
        case 'allocated':
          void this.begin(run, res.allocation);
          break;
        case 'queued': // the given scheduler has a wait queue: take the request back and retry on our own pass
          this.scheduler.release(res.requestId);
          break;
        case 'rejected':
          if (res.rejection.permanent) void this.end(run, 'failed', `resources: ${res.rejection.message}`);
          break;
        case 'preempted': // started and taken back in the same call: nothing is held; retry on a later pass
          break;
      }
    }
  }

  // ---- a run's life ---------------------------------------------------------------------------

  private ctx(run: Run): RunContext {
    return { agent: run.agent, runId: run.id, cause: run.cause, allocation: run.allocation as AllocationInfo, signal: (run.abort as AbortController).signal, heartbeat: () => this.heartbeat(run.id) };
  }

  private hooks(agentId: string, name: HookName): ((ctx: never) => Promise<void> | void)[] {
    return [this.o.hooks?.[name], this.o.agentHooks?.[agentId]?.[name]].filter((h) => h !== undefined) as ((ctx: never) => Promise<void> | void)[];
  }

  private async runHooks(run: Run, name: HookName, arg: RunContext): Promise<'ok' | 'timeout' | 'error'> {
    for (const h of this.hooks(run.agent.id, name)) {
      const limit = this.fleet.config.hookTimeoutMs[name];
      const s = await withTimeout(() => h(arg as never), limit, this.clock);
      if (s.kind === 'timeout') this.events.emit('hook-timeout', { agentId: run.agent.id, runId: run.id, hook: name, at: this.clock.now() });
      if (s.kind !== 'ok') {
        const what = s.kind === 'timeout' ? `${name} hook timed out after ${limit} ms` : `${name} hook failed: ${errorText(s.error)}`;
        // A run that has ended keeps why it ended (a postStart failing after a crash, any onShutdown): the failure is added.
        run.reason = LIVE.has(run.state) || run.reason === undefined ? what : `${run.reason}; ${what}`;
        return s.kind;
      }
    }
    return 'ok';
  }

  private async begin(run: Run, allocation: AllocationInfo): Promise<void> {
    run.allocation = allocation;
    run.startedAt = this.clock.now();
    const attempt = new AbortController();
    run.abort = attempt;
    // Everything below may outlive this attempt (a preempted run is started again later): act
    // only while `run.abort` is still this attempt's.
    const current = () => run.abort === attempt && !attempt.signal.aborted;
    this.active++;
    this.transition(run, 'starting');
    this.events.emit('started', { agentId: run.agent.id, runId: run.id, allocationId: allocation.id, at: run.startedAt });
    this.lifecycleEvent('started', run);
    const ctx = this.ctx(run);
    const pre = await this.runHooks(run, 'preStart', ctx);
    if (!current()) return; // ended meanwhile (stopped, preempted)
    if (pre !== 'ok') return this.end(run, 'failed', run.reason);
    this.transition(run, 'running');
    // A persistent agent running is what its dependents wait for: try them now (not at the next unrelated trigger or end).
    if (run.agent.lifecycle === 'persistent') this.schedulePump();
    this.watch(run);
    let launched: Promise<unknown>;
    try {
      launched = Promise.resolve(this.o.launch(ctx));
    } catch (e) {
      launched = Promise.reject(e);
    }
    // Armed after the launch, so work that ends exactly at the timeout (on a virtual clock) completes: timed out is longer than it.
    if (run.agent.lifecycle === 'ephemeral') {
      const timeout = run.agent.timeoutMs ?? this.fleet.config.defaultTimeoutMs;
      run.timers.push(this.clock.setTimer(timeout, () => void this.end(run, 'timed-out', `ran longer than its timeout of ${timeout} ms`)));
    }
    launched.then(
      () => void (current() && this.end(run, 'completed')),
      (e: unknown) => void (current() && this.end(run, 'crashed', `crashed: ${errorText(e)}`)),
    );
    void this.runHooks(run, 'postStart', ctx);
  }

  /** (Re-)arm the heartbeat watch of a run. */
  private watch(run: Run): void {
    const every = this.fleet.config.heartbeatIntervalMs;
    if (every === undefined || !run.agent.heartbeat || this.o.watchHeartbeats === false || run.state !== 'running') return;
    const limit = every * this.fleet.config.heartbeatMisses;
    const old = (run as { beat?: unknown }).beat;
    if (old !== undefined) this.clock.clear(old);
    // Crashed only when silent for longer than the limit: at the deadline, wait out the instant
    // (a 0 ms timer runs after the timers already due then), so a beat on the dot re-arms the
    // watch instead, as a run ending exactly at its timeout completes.
    (run as { beat?: unknown }).beat = this.clock.setTimer(limit, () => {
      (run as { beat?: unknown }).beat = this.clock.setTimer(0, () => void this.end(run, 'crashed', `crashed: no heartbeat for ${limit} ms`));
    });
  }

  /** Preempted by higher-priority work: stop it and put it back in the pending list. */
  private suspend(run: Run, reason: string): void {
    this.clear(run);
    this.active--;
    run.allocation = undefined;
    delete run.startedAt;
    this.transition(run, 'preempted', reason);
    this.transition(run, 'pending', 'requeued after preemption');
    this.schedulePump();
  }

  private clear(run: Run): void {
    for (const t of run.timers) this.clock.clear(t);
    run.timers = [];
    const beat = (run as { beat?: unknown }).beat;
    if (beat !== undefined) this.clock.clear(beat);
    run.abort?.abort();
  }

  private async end(run: Run, outcome: RunState, reason?: string): Promise<void> {
    if (!LIVE.has(run.state) && run.state !== 'rebooting') return;
    const wasActive = run.state === 'starting' || run.state === 'running';
    this.clear(run);
    run.endedAt = this.clock.now();
    if (wasActive) {
      this.active--;
      if (run.allocation !== undefined) this.scheduler.release(run.allocation.id);
    }
    this.transition(run, outcome, reason);
    this.prune(run.agent.id);
    const a = run.agent;
    const ranMs = run.startedAt === undefined ? 0 : run.endedAt - run.startedAt;
    if (outcome === 'completed') {
      this.crashes.set(a.id, 0);
      this.lifecycleEvent('completed', run);
      if (!this.stopping) for (const t of a.triggers) this.trigger(t, { kind: 'cascade', from: run.id });
    } else if (outcome === 'crashed') {
      const n = ranMs > this.fleet.config.backoff.maxMs ? 1 : (this.crashes.get(a.id) ?? 0) + 1;
      this.crashes.set(a.id, n);
      this.totalCrashes.set(a.id, (this.totalCrashes.get(a.id) ?? 0) + 1);
      this.lifecycleEvent('crashed', run);
      if (a.lifecycle === 'persistent' && this.fleet.config.rescheduleOnCrash && !this.stopping) this.reboot(run, n);
    } else if (outcome === 'failed' || outcome === 'timed-out') {
      this.lifecycleEvent('failed', run);
    }
    this.schedulePump();
    if (wasActive && run.allocation !== undefined) await this.runHooks(run, 'onShutdown', { ...this.ctx(run), outcome } as RunContext);
  }

  /** Forget the oldest ended runs of an agent beyond `keepRuns` (memory stays bounded in a long-lived process). */
  private prune(agentId: string): void {
    const keep = this.o.keepRuns ?? 1000;
    const list = this.byAgent.get(agentId) as Run[];
    let excess = list.length - keep;
    if (excess <= 0) return;
    const kept: Run[] = [];
    for (const r of list) {
      if (excess > 0 && !LIVE.has(r.state) && r.state !== 'rebooting') {
        this.runs.delete(r.id);
        excess--;
      } else kept.push(r);
    }
    this.byAgent.set(agentId, kept);
  }

  private reboot(run: Run, attempt: number): void {
    const b = this.fleet.config.backoff;
    const delay = Math.min(b.initialMs * b.factor ** (attempt - 1), b.maxMs);
    const crash = run.reason as string;
    this.transition(run, 'rebooting', `restart in ${delay} ms (attempt ${attempt})`);
    run.timers.push(
      this.clock.setTimer(delay, () => {
        if (run.state !== 'rebooting' || this.stopping) return;
        // Its own end state (not `crashed` again: the run crashed once), keeping why it crashed.
        this.transition(run, 'restarted', `${crash}; restarted (attempt ${attempt})`);
        this.restarts.set(run.agent.id, (this.restarts.get(run.agent.id) ?? 0) + 1);
        this.trigger(run.agent.id, { kind: 'restart', after: run.id, attempt });
      }),
    );
  }

  /**
   * Allocations of this fleet's runs (`<agent>#<n>`, tenant = the agent) that the scheduler
   * already holds were restored from its store: runs of a previous process (killed or crashed),
   * which this one can neither watch nor stop. Release them (else their resources are held for
   * ever) and number new runs after them (else `<agent>#1` is refused as already allocated).
   */
  private releaseLeftovers(): void {
    for (const al of this.scheduler.listAllocations()) {
      const m = /^(.+)#(\d+)$/.exec(al.id);
      if (m === null || m[1] !== al.tenant || !this.agents.has(al.tenant)) continue;
      this.counters.set(al.tenant, Math.max(this.counters.get(al.tenant) ?? 0, Number(m[2])));
      this.scheduler.release(al.id);
    }
  }

  private lifecycleEvent(name: 'started' | 'completed' | 'crashed' | 'failed', run: Run): void {
    if (this.stopping) return;
    for (const id of this.conditions.onEvent(name, run.agent.id)) this.trigger(id, { kind: 'condition', event: `${run.agent.id}.${name}` });
  }

  private transition(run: Run, to: RunState, reason?: string): void {
    const from = run.state;
    run.state = to;
    if (reason !== undefined) run.reason = reason;
    this.events.emit('state', { agentId: run.agent.id, runId: run.id, from, to, at: this.clock.now(), ...(reason !== undefined ? { reason } : {}) });
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
