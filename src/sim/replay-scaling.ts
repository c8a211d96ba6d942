import type { DemandSample, ScalingPolicy } from '../autoscale/policy.js';
import type { ClusterState } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { applyScaleActions, scalingState } from './scaling.js';

/** What the autoscaling tick needs from the replay driver. */
export interface AutoscalingHooks {
  /** Ask for a node of `pool` (it boots for the pool's boot time). */
  provision(pool: number, now: number): void;
  /** Node `id` was retired. */
  remove(id: number, now: number): void;
  /** Schedule the next tick at `at`. */
  next(at: number): void;
  /** The requests waiting now. */
  waiting(): Request[];
  /** Work is running or waiting. */
  active(): boolean;
  /** Work is running. */
  busy(): boolean;
  /** Optional (for the report): each tick's demand per pool and the policy's forecast, if it exposes one. */
  record?(t: number, demand: readonly number[], forecast: readonly ({ readonly at: number; readonly nodes: number } | null)[]): void;
}

/**
 * The scaling tick of the replay: every `intervalSeconds`, the policy sees the pools (nodes and
 * queued demand) and the recent demand history, and its actions are applied. Without a horizon,
 * ticks stop once the stream is done and nothing runs or waits, or after 10 idle ticks with
 * nothing running (work that can never start must not keep the clock going for ever). With a
 * horizon the run lasts until it whatever happens (nodes are billed until then), so the policy
 * keeps deciding until then: once the work is done the pools scale in as the policy says, instead
 * of being billed at their last size until the horizon.
 */
export class Autoscaling {
  private readonly history: DemandSample[] = [];
  private arrivalsSinceTick = 0;
  private idleTicks = 0;
  private done = false;

  constructor(
    private readonly policy: ScalingPolicy,
    private readonly state: ClusterState,
    private readonly hooks: AutoscalingHooks,
    /** The run's horizon, seconds (Infinity: none). */
    private readonly horizon = Infinity,
  ) {}

  noteArrival(): void {
    this.arrivalsSinceTick++;
  }

  streamDone(): void {
    this.done = true;
  }

  tick(now: number): void {
    const pools = scalingState(this.state, this.hooks.waiting());
    this.history.push({ time: now, demandNodes: pools.map((p) => p.queuedNodes + p.runningNodes), arrivals: this.arrivalsSinceTick });
    if (this.history.length > 10_000) this.history.splice(0, this.history.length - 10_000);
    this.arrivalsSinceTick = 0;
    const actions = this.policy.decide({ now, pools, history: this.history });
    if (this.hooks.record !== undefined) {
      const sample = this.history[this.history.length - 1] as DemandSample;
      this.hooks.record(now, sample.demandNodes, pools.map((p) => this.policy.forecastNodes?.(p.pool, now, p.spec.bootSeconds) ?? null));
    }
    const changed = applyScaleActions(this.state, actions, {
      provision: (pool) => this.hooks.provision(pool, now),
      remove: (id) => this.hooks.remove(id, now),
    });
    this.idleTicks = changed ? 0 : this.idleTicks + 1;
    const at = now + this.policy.intervalSeconds;
    if (Number.isFinite(this.horizon)) {
      if (at <= this.horizon) this.hooks.next(at);
      return;
    }
    const active = !this.done || this.hooks.active();
    const stuck = this.done && !this.hooks.busy() && this.idleTicks > 10;
    if (active && !stuck) this.hooks.next(at);
  }
}
