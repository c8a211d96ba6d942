import type { Priority } from '../core/priority.js';

/**
 * The agent fleet, as data: what the kOS Agent Deployment Scheduler registers (id,
 * capabilities, resources, priority, tags, execution environment) plus when each agent runs.
 * Times are milliseconds. Parsed and checked by `parseFleet` (config.ts).
 */

/** When an agent runs; tagged by `kind`. */
export type Schedule =
  /** Only when asked: `AgentScheduler.trigger(id)`, `POST /v1/agents/:id/trigger`, or a scenario's `triggers`. */
  | { readonly kind: 'on-demand' }
  /** At each firing of a cron expression (5 or 6 fields, croner syntax) in a time zone. */
  | { readonly kind: 'cron'; readonly cron: string; readonly timezone: string }
  /**
   * When a condition becomes true: a named event (`emit(name)`, or another agent's lifecycle
   * event `started`/`completed`/`crashed`/`failed` with `agent`), or a metric crossing into
   * `> above` / `< below` (edge-triggered: it fires once per crossing).
   */
  | { readonly kind: 'condition'; readonly event?: string; readonly agent?: string; readonly metric?: string; readonly above?: number; readonly below?: number };

/** Persistent agents are started with the fleet and restarted on crash; ephemeral ones run once per trigger. */
export type Lifecycle = 'persistent' | 'ephemeral';

/** How the agent is launched: data for the user's launch hook (DRS never starts processes itself). */
export interface ExecEnv {
  /** docker, systemd, subprocess, sandbox, ... */
  readonly env: string;
  readonly entryPoint?: string;
  readonly args?: readonly string[];
  readonly image?: string;
  readonly environment?: Readonly<Record<string, string>>;
}

export interface AgentSpec {
  readonly id: string;
  readonly capabilities: readonly string[];
  readonly tags: readonly string[];
  readonly priority: Priority;
  readonly exec: ExecEnv;
  /** Demand per resource dimension (cpu cores, memory GiB, gpu, ...). */
  readonly resources: Readonly<Record<string, number>>;
  /** Run only on this pool of the ResourceScheduler (default: the strategy chooses). */
  readonly pool?: string;
  readonly lifecycle: Lifecycle;
  readonly schedules: readonly Schedule[];
  /** Cascade: agents triggered when a run of this one completes. */
  readonly triggers: readonly string[];
  /**
   * A run of this agent starts only when every dependency is satisfied: a persistent
   * dependency is running; an ephemeral one has no run triggered at or before this run's
   * trigger time still pending or running.
   */
  readonly dependsOn: readonly string[];
  /** Kill an ephemeral run after this long (default: the fleet's `agent_timeout_default`). */
  readonly timeoutMs?: number;
  /** How long a run takes, for simulation (ephemeral; persistent agents run until stopped or crashed). */
  readonly durationMs?: number;
  /** Simulation: crashes per hour of running (exponential time to crash), drawn from the seeded Rng. */
  readonly crashRatePerHour: number;
  /** Watch heartbeats of this agent's runs (when the fleet has `heartbeat_interval`). Default true. */
  readonly heartbeat: boolean;
}

export type SchedulerMode = 'priority' | 'fifo' | 'lifo' | 'dependency';

/** Fleet settings; the kOS `scheduler_config.yaml` keys map onto these (config.ts). */
export interface FleetConfig {
  /** At most this many runs starting or running at once (`max_concurrent_agents`). */
  readonly maxConcurrentAgents: number;
  /** Order of pending runs (`scheduler_mode`): priority then trigger time; fifo; lifo; dependency (= fifo, dependencies first). */
  readonly mode: SchedulerMode;
  /** Expected heartbeat period (`heartbeat_interval`); undefined = heartbeats not watched. */
  readonly heartbeatIntervalMs?: number;
  /** A run silent for `heartbeatMisses × heartbeatIntervalMs` is marked crashed. Default 3. */
  readonly heartbeatMisses: number;
  /** Runs may be preempted by higher-priority agents (`allow_agent_preemption`). */
  readonly allowPreemption: boolean;
  /** Start nothing that would take allocated memory above this share of total memory (`max_memory_usage`, 0..1). */
  readonly maxMemoryUsage?: number;
  /** Timeout of ephemeral runs without their own (`agent_timeout_default`). */
  readonly defaultTimeoutMs: number;
  /** Restart crashed persistent agents (`reschedule_on_crash`). */
  readonly rescheduleOnCrash: boolean;
  /** Restart delay after the n-th consecutive crash: min(initial × factor^(n-1), max). */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number; readonly factor: number };
  /** Timeout of each lifecycle hook call, per hook. */
  readonly hookTimeoutMs: Readonly<Record<HookName, number>>;
  /** Default time zone of cron schedules (IANA name). */
  readonly timezone: string;
  /** Accepted for kOS compatibility; DRS keeps no logs of its own (`log_retention_days`). */
  readonly logRetentionDays?: number;
}

export interface FleetDefinition {
  readonly config: FleetConfig;
  /** In definition order (ties between simultaneous triggers follow it). */
  readonly agents: readonly AgentSpec[];
}

/**
 * A run's state; an agent's state is its latest run's (or `sleeping`/`idle` between runs). A
 * crashed persistent run goes `crashed → rebooting` (waiting out its backoff) `→ restarted` (its
 * end state once the next run is triggered).
 */
export type RunState = 'pending' | 'starting' | 'running' | 'completed' | 'crashed' | 'rebooting' | 'restarted' | 'failed' | 'timed-out' | 'preempted' | 'stopped';
export type AgentState = RunState | 'idle' | 'sleeping';

/** Why a run was triggered. */
export type TriggerCause =
  | { readonly kind: 'boot' }
  | { readonly kind: 'cron'; readonly at: number }
  | { readonly kind: 'on-demand'; readonly by?: string }
  | { readonly kind: 'condition'; readonly event?: string; readonly metric?: string }
  | { readonly kind: 'cascade'; readonly from: string }
  | { readonly kind: 'restart'; readonly after: string; readonly attempt: number };

/** Events on `AgentScheduler.on(...)`; each carries the clock time `at` (ms). */
export interface AgentEvents {
  /** Any change of a run's state. */
  state: { readonly agentId: string; readonly runId: string; readonly from: RunState | 'new'; readonly to: RunState; readonly at: number; readonly reason?: string };
  triggered: { readonly agentId: string; readonly runId: string; readonly cause: TriggerCause; readonly at: number };
  /** Resources granted; `at` is the run's start time (what the simulator calls start). */
  started: { readonly agentId: string; readonly runId: string; readonly allocationId: string; readonly at: number };
  /** A hook did not finish within its `hookTimeoutMs`. */
  'hook-timeout': { readonly agentId: string; readonly runId: string; readonly hook: HookName; readonly at: number };
  heartbeat: { readonly agentId: string; readonly runId: string; readonly at: number };
}

export type HookName = 'preStart' | 'postStart' | 'onShutdown';
