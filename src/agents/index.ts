/** Agent schedules on ResourceScheduler (the kOS Agent Deployment Scheduler's model). See docs/agents.md. */
export { AgentScheduler, type AgentSchedulerOptions, type AgentStatus, type LaunchHook, type LifecycleHooks, type Run, type RunContext } from './scheduler.js';
export { parseFleet, loadFleetFile, fleetSchema, fleetConfigSchema, toFleetConfig, type FleetInput } from './config.js';
export { CronSchedule } from './cron.js';
export { VirtualClock, systemClock, type AgentClock } from './clock.js';
export { agentRoutes, type ServeContext } from './http.js';
export { planFleet, simulatedLaunch, agentRequests, agentTraceFleet, agentsTraceSchema, type PlannedRun, type FleetPlanOptions, type AgentsTraceSpec } from './workload.js';
export type { AgentSpec, AgentState, AgentEvents, ExecEnv, FleetConfig, FleetDefinition, HookName, Lifecycle, RunState, Schedule, SchedulerMode, TriggerCause } from './types.js';
