/** Fair-share quotas are a rule of the scheduling pass: they live in `src/engine/quota.ts`. */
export { clusterCapacities, FairShare, overcommittedGuarantees, planReclaim, type QuotaConfig, type TenantQuota } from '../engine/quota.js';
