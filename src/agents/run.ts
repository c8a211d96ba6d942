import type { AllocationInfo, PoolInput, ResourceScheduler } from '../scheduler/index.js';
import type { AgentClock } from './clock.js';
import type { AgentSpec, AgentState, FleetDefinition, RunState, TriggerCause } from './types.js';

/** What a launch hook and the lifecycle hooks get. */
export interface RunContext {
  readonly agent: AgentSpec;
  readonly runId: string;
  readonly cause: TriggerCause;
  readonly allocation: AllocationInfo;
  /** Aborted when the run is stopped, timed out, preempted or declared crashed. */
  readonly signal: AbortSignal;
  /** Tell the scheduler the agent is alive (see `heartbeat_interval`). */
  heartbeat(): void;
}

/**
 * Start the agent's work; resolve when it completes, reject when it crashes. DRS never starts
 * processes itself: this is the user's hook (see examples/agents-subprocess.ts).
 */
export type LaunchHook = (ctx: RunContext) => Promise<unknown>;

export interface LifecycleHooks {
  /** Before launch (data preload, model warm-up). Failing or timing out fails the run. */
  readonly preStart?: (ctx: RunContext) => Promise<void> | void;
  /** After launch. Failing or timing out is reported, the run goes on. */
  readonly postStart?: (ctx: RunContext) => Promise<void> | void;
  /** After the run ended and its resources were released (result dispatch, archiving). */
  readonly onShutdown?: (ctx: RunContext & { readonly outcome: RunState }) => Promise<void> | void;
}

export interface AgentSchedulerOptions {
  readonly fleet: FleetDefinition;
  readonly launch: LaunchHook;
  /** Where resources come from. Default: a new ResourceScheduler over `pools` on this clock (preemption per `allow_agent_preemption`). */
  readonly scheduler?: ResourceScheduler;
  readonly pools?: readonly PoolInput[];
  readonly clock?: AgentClock;
  /** Hooks for every agent; `agentHooks[id]` adds per-agent ones (both run, fleet-wide first). */
  readonly hooks?: LifecycleHooks;
  readonly agentHooks?: Readonly<Record<string, LifecycleHooks>>;
  /**
   * Where agent events go besides `on(...)`: called with ('agent-state' | 'agent-hook-timeout',
   * agent id, event). Default: the scheduler's `recordEvent` when it has one (the event log behind
   * `drs serve`'s GET /v1/events).
   */
  readonly publish?: (type: string, tenant: string | null, data: object) => void;
  /** Ended runs kept per agent for `listRuns`/`getRun` (default 1000; older ones are forgotten). */
  readonly keepRuns?: number;
  /** Watch heartbeats when the fleet has `heartbeat_interval` (default true). */
  readonly watchHeartbeats?: boolean;
}

/** A run of an agent (one trigger). */
export interface Run {
  readonly id: string;
  readonly agent: AgentSpec;
  readonly cause: TriggerCause;
  readonly triggeredAt: number;
  /** Order of triggering (tie-break after the trigger time). */
  readonly seq: number;
  state: RunState;
  /** When resources were granted (the simulator's start). */
  startedAt?: number;
  endedAt?: number;
  reason?: string;
  /** Runs of dependencies this one waited for (or the run whose completion cascaded into it). */
  readonly waitedFor: Set<string>;
  allocation?: AllocationInfo;
  abort?: AbortController;
  timers: unknown[];
}

export interface AgentStatus {
  readonly id: string;
  readonly state: AgentState;
  readonly lifecycle: AgentSpec['lifecycle'];
  readonly priority: AgentSpec['priority'];
  readonly runs: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly currentRun?: string;
  readonly lastStartedAt?: number;
}
