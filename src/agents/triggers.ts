import type { AgentClock } from './clock.js';
import { CronSchedule } from './cron.js';
import type { AgentSpec } from './types.js';

/**
 * Fires the fleet's cron schedules on the clock: one timer at the earliest next firing; at that
 * time every schedule due fires, in agent definition order (so simultaneous firings are always
 * triggered in the same order, in production and in simulation). A timer that fires late fires
 * each due schedule once; the firings missed meanwhile are skipped.
 */
export class CronTicker {
  private readonly entries: { readonly agentId: string; readonly cron: CronSchedule; next: number | undefined }[] = [];
  private timer: unknown;

  constructor(
    agents: readonly AgentSpec[],
    private readonly clock: AgentClock,
    private readonly fire: (agentId: string, at: number) => void,
  ) {
    for (const a of agents) for (const s of a.schedules) if (s.kind === 'cron') this.entries.push({ agentId: a.id, cron: new CronSchedule(s.cron, s.timezone), next: undefined });
  }

  start(): void {
    const now = this.clock.now();
    // A firing exactly at the start time counts: look from 1 ms before.
    for (const e of this.entries) e.next = e.cron.next(now - 1);
    this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    let t: number | undefined;
    for (const e of this.entries) if (e.next !== undefined && (t === undefined || e.next < t)) t = e.next;
    if (t === undefined) return;
    const at = t;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = undefined;
      // On time, now = at. Late (the process was paused, the host asleep, the loop blocked): the
      // firing due fires once and the schedule goes on from the present; going on from `at`
      // would fire every missed firing at once (a per-minute cron after an hour asleep: 60 runs).
      const from = Math.max(at, this.clock.now() - 1);
      for (const e of this.entries) {
        if (e.next !== at) continue;
        e.next = e.cron.next(from);
        this.fire(e.agentId, at);
      }
      this.arm();
    });
  }
}

/** Agent lifecycle events a condition may name (with `agent`). */
export const LIFECYCLE_EVENTS = ['started', 'completed', 'crashed', 'failed'] as const;

/**
 * Condition schedules: a named event (optionally another agent's lifecycle event), or a metric
 * crossing into its range (`value > above`, `value < below`; both given = either side). Metric
 * conditions are edge-triggered: they fire when the value enters the range, not while it stays.
 */
export class ConditionWatcher {
  private readonly metrics = new Map<string, number>();

  constructor(private readonly agents: readonly AgentSpec[]) {}

  /** Agents to trigger for event `name` (from `agentId`, for lifecycle events). */
  onEvent(name: string, agentId?: string): string[] {
    const out: string[] = [];
    for (const a of this.agents) {
      for (const s of a.schedules) {
        if (s.kind === 'condition' && s.event === name && s.agent === agentId) {
          out.push(a.id);
          break;
        }
      }
    }
    return out;
  }

  /** Record a metric value; agents whose condition just became true. */
  onMetric(name: string, value: number): string[] {
    const prev = this.metrics.get(name);
    this.metrics.set(name, value);
    const out: string[] = [];
    for (const a of this.agents) {
      for (const s of a.schedules) {
        if (s.kind !== 'condition' || s.metric !== name) continue;
        const holds = (v: number) => (s.above !== undefined && v > s.above) || (s.below !== undefined && v < s.below);
        if (holds(value) && (prev === undefined || !holds(prev))) {
          out.push(a.id);
          break;
        }
      }
    }
    return out;
  }

  metric(name: string): number | undefined {
    return this.metrics.get(name);
  }
}
