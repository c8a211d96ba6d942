/**
 * The public API of DRS: an explicit list, so what is public is a decision, not an accident.
 * Heavier parts load on demand: the HTTP service (`drs serve`) and TensorFlow.js forecasters
 * are imported only by the code paths that use them.
 */

// Model
export { ResourceSpace, DEFAULT_DIMENSIONS, fitsIn, dominantShare, type ResourceVector } from './core/resources.js';
export { PRIORITIES, PRIORITY_RANK, mayPreempt, type Priority } from './core/priority.js';
export type { Request, RequestConstraints, PoolSpec, Allocation } from './core/model.js';
export { REJECTION_CODES, isPermanent, type Rejection, type RejectionCode } from './core/rejection.js';
export { ClusterState, type ClusterView, type NodeStatus, type Trial } from './core/cluster.js';
export { eligiblePools, requestCostRate, WaitExplainer, type Eligibility } from './core/eligibility.js';
export { Rng } from './core/rng.js';
export { UserError, ConfigError, TraceFormatError, CapacityError, InvalidDecisionError, type ErrorLocation } from './core/errors.js';
export { parseDuration, parseQuantity, formatDuration } from './core/units.js';

// Strategies
export type { Allocator, AllocatorContext, DecisionBudget, Decision, Placement, Preemption, SolverReport } from './algorithms/allocator.js';
export { WORK_BUDGET } from './algorithms/allocator.js';
export { ALLOCATORS, ALLOCATOR_NAMES, createAllocator, isAllocatorName, type AllocatorName, type StrategySpec } from './algorithms/registry.js';
export { decideAndApply, type AppliedDecision } from './algorithms/decide.js';
export { FirstFit } from './algorithms/first-fit.js';
export { BestFitDecreasing } from './algorithms/best-fit-decreasing.js';
export { WorstFit } from './algorithms/worst-fit.js';
export { RoundRobin } from './algorithms/round-robin.js';
export { PreemptingAllocator } from './algorithms/preemption.js';

export { IlpAllocator } from './algorithms/ilp.js';
export { GeneticAllocator } from './algorithms/genetic.js';
export { solve, prepareSolvers, highsSolver, jslpSolver, type SolveRequest } from './algorithms/solvers/index.js';
export type { LpModel, LpSolver, SolveResult, WorkLimit } from './core/lp.js';
export type { SolverStatus, StopReason, WorkDone } from './core/solver-status.js';
export { threadSolver, type SolverModule, type ThreadSolver, type ThreadSolverOptions } from './packing/index.js';
export { runPackStrategy, PACK_STRATEGIES, PACK_STRATEGY_NAMES, type PackStrategyName, type PackStrategy, type PackContext, type PackOptions, type PackResult, type PackingInstance } from './packing/index.js';
export { readPackingFile, parsePacking, PACKING_FORMATS, type PackingFormat } from './traces/bin-packing.js';

// Queue policies
export type { QueuePolicy, QueuedRequest, BackfillPolicy } from './queue/policy.js';
export { QUEUE_POLICIES, QUEUE_POLICY_NAMES, createQueuePolicy, type QueuePolicyName } from './queue/registry.js';
export { LearnedAllocator, learnedAllocator, ALLOCATOR_FEATURES } from './algorithms/learned.js';
export { GpuRandom, GpuDotProduct, GpuClustering, GpuPacking, GpuBestFit, Fgd, FgdPack, FgdRepair, WorkloadDistribution, GPU_POLICY_NAMES, createGpuPolicy, type GpuPolicyName, type PodType, type FgdRepairOptions, type RepairPlan } from './algorithms/gpu/index.js';
export type { GpuPod } from './algorithms/gpu/pod.js';
export { GPU_MILLI, gpuShape, devicesFit, type GpuDeviceSpec, type GpuShape } from './core/gpu.js';
export { clusterFragmentation, gpuSeriesFromLog, type GpuSnapshot } from './sim/fragmentation.js';
export { runOpenb, allocationAt, openbArrivals, type OpenbRun, type OpenbRunOptions } from './sim/openb.js';
export { LearnedQueue, learnedQueue, QUEUE_FEATURES, type LearnedQueueOptions } from './queue/learned-queue.js';
export { PolicyNet, loadPolicyNetFile, validatePolicyNetFile, POLICY_NET_FORMAT, type PolicyNetFile, type FeatureSets } from './core/policy-net.js';
export { QueueEnv, sampleAgent, type Agent, type Observation } from './learn/env.js';
export { FleetEnv } from './learn/fleet-env.js';

// Autoscaling
export type { ScalingPolicy, ScalingInput, ScaleAction, PoolScalingState, DemandSample } from './autoscale/policy.js';
export { SCALING_POLICIES, SCALING_POLICY_NAMES, createScalingPolicy, type ScalingPolicyName, type ScalingContext } from './autoscale/registry.js';

// Demand prediction
export type { Forecaster, Forecast, PredictionInterval, ForecasterContext } from './predict/types.js';
export { createForecaster, FORECASTER_NAMES, type ForecasterName } from './predict/registry.js';
export { backtest, type BacktestOptions, type BacktestResult } from './predict/backtest.js';
export { mae, rmse, smape, mase } from './predict/metrics.js';
export { readSeriesCsv, type Series, type ReadSeriesOptions } from './predict/series.js';

// Traces
export { openTrace, TRACE_KINDS, TRACE_KIND_NAMES, type OpenTraceContext } from './traces/registry.js';
export type { RequestStream, TraceReadOptions } from './traces/types.js';
export type { TraceStream } from './traces/trace-stats.js';

// Simulation
export { Kernel } from './sim/kernel.js';
export { replay, type ReplayOptions, type ReplayOutcome } from './sim/replay.js';
export { computeMetrics, percentiles, jainIndex, boundedSlowdown, SLOWDOWN_TAU, type PoolMetrics, type RunMetrics, type SlaClass } from './sim/metrics.js';
export type { EventLog } from './sim/log.js';
export { compareStrategies, type ComparisonInput, type ComparisonResult, type StrategyResult, type StrategyRun } from './sim/compare.js';
export type { FailureSpec } from './sim/failures.js';
export { SchedulingPass, type PassHooks, type PassRejection, type EngineRules } from './engine/pass.js';
export { DependencyTracker, checkDependencyGraph } from './engine/dependencies.js';
export { drf, type DrfOptions } from './queue/drf.js';
export { replayReferenceWindows, replayReferenceWindow, referencePolicy, REFERENCE_WINDOWS, REFERENCE_LENGTH, type ProtocolOptions, type SequenceResult, type WindowResult, type BackfillMode } from './sim/reference/protocol.js';
export { loadBatchWorkload, type BatchJob, type BatchWorkload, type LoadOptions } from './sim/reference/workload.js';
export { EventsWriter, eventsFormatOf } from './report/events.js';

// Production embedding
export { ResourceScheduler, type ResourceSchedulerOptions, type QueueOptions } from './scheduler/scheduler.js';
export { MemoryStore, SqliteStore, PgStore, PgLeadership, EVENT_TYPES, type StateStore, type EventRecord, type AuditRecord, type QuotaConfig, type TenantQuota } from './scheduler/index.js';
export { startServer, type ServerHandle, type StartServerOptions } from './scheduler/start-server.js';
export { loadServeConfig, parseServeConfig, type ServeConfig, type TokenSpec } from './scheduler/config.js';
export type { AllocateResult, ReleaseResult, RenewResult, PoolInput, PoolInfo, PoolBilling, AllocationInfo, ScheduleRequest } from './scheduler/types.js';
export type { SchedulerEvents, ScaleEvent, SchedulerRejection, SchedulerRejectionCode, PreemptionKind, PreemptionRecord, RequestStatus, EndedHow, NodeRef, NodeFailResult, NodeRepairResult } from './scheduler/types.js';
export { WAIT_BUCKETS, type SloAttainment, type SloClassAttainment, type SloObserver, type SloWaitByClass } from './scheduler/slo.js';

// Agent schedules (kOS model) on ResourceScheduler; the pool-package API is the `drs-toolkit/compat` subpath
export { AgentScheduler, parseFleet, loadFleetFile, CronSchedule, VirtualClock, systemClock, agentRoutes, planFleet, simulatedLaunch } from './agents/index.js';
export type { FleetPlanOptions, PlannedRun } from './agents/workload.js';
export type { AgentClock, AgentSchedulerOptions, AgentStatus, AgentSpec, AgentState, AgentEvents, FleetConfig, FleetDefinition, LaunchHook, LifecycleHooks, RunContext, Schedule, TriggerCause } from './agents/index.js';

// Scenarios and reports
export { loadScenario, parseScenario } from './scenario/load.js';
export { buildScenario, type BuildOptions, type BuiltScenario } from './scenario/build.js';
export { scenarioSchema, type Scenario, type ScenarioInput } from './scenario/schema.js';
export { comparisonTable, renderTable } from './report/table.js';
export { toJson } from './report/json.js';
export { htmlReport } from './report/html.js';
export { sampleSeries, type RunSeries, type SeriesMark, type GanttBar, type SeriesOptions } from './sim/series.js';

// Sweeps (local worker threads; the BullMQ submitter and worker load bullmq, so they stay in the CLI)
export { loadSweep, type SweepSpec } from './sweep/spec.js';
export { planSweep, runSweepLocal, sweepResult, type SweepPlan, type SweepProgress } from './sweep/local.js';
export { meanCi, pairedTTest, type MeanCi, type PairedTest } from './sweep/stats.js';
export type { SweepResult, SweepGroup, SweepComparison } from './sweep/aggregate.js';
export type { CellResult } from './sweep/cell.js';
