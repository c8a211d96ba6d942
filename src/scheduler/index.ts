export * from './types.js';
export { ResourceScheduler, type ResourceSchedulerOptions, type QueueOptions } from './scheduler.js';
export { TypedEmitter } from './emitter.js';
export { FairShare, planReclaim, type QuotaConfig, type TenantQuota } from './quota.js';
export {
  MemoryStore,
  type StateStore,
  type StateChange,
  type StoredState,
  type StoredPool,
  type StoredNode,
  type StoredAllocation,
  type StoredWaiting,
  type WaitingSlo,
  type SloCounts,
  type StoredEnded,
  type EventRecord,
  type EventType,
  type AuditRecord,
  type AuditQuery,
} from './store.js';
export { SqliteStore } from './sqlite-store.js';
export { PgStore } from './pg-store.js';
export { PgLeadership } from './pg-leader.js';
export { EVENT_TYPES } from './event-log.js';
