import type { ClusterState } from '../core/cluster.js';
import { InvalidDecisionError } from '../core/errors.js';
import type { Allocation, Request } from '../core/model.js';
import { isPermanent, type Rejection } from '../core/rejection.js';
import type { Allocator, AllocatorContext, Decision, Placement, Preemption, SolverReport } from './allocator.js';

/** What applying a decision did; the simulator and the production scheduler both consume it. */
export interface AppliedDecision {
  readonly started: readonly Allocation[];
  /** Allocations evicted for higher-priority work (already released from the cluster). */
  readonly evicted: readonly { readonly allocation: Allocation; readonly preemption: Preemption }[];
  readonly rejections: readonly Rejection[];
  readonly solver?: SolverReport;
}

/**
 * Ask `allocator` for a decision on `requests`, check it, and apply it to `state`: the one path
 * by which both the simulator and `ResourceScheduler` turn a strategy's answer into allocations,
 * so a strategy behaves the same in both.
 *
 * Checks (a failure is a bug in the allocator and throws InvalidDecisionError naming it): every
 * request is answered exactly once; placements name known requests and existing up nodes with
 * room; preemptions name running allocations. With `blocking` (head-of-line blocking), the
 * placements of requests that come after the first one left waiting are dropped (a batch
 * strategy may have placed them out of order) and become `wait` rejections, and preemptions made
 * for them are not applied.
 */
export function decideAndApply(
  allocator: Allocator,
  requests: readonly Request[],
  state: ClusterState,
  ctx: AllocatorContext,
  allocationId: (r: Request) => string = (r) => r.id,
): AppliedDecision {
  let decision: Decision;
  try {
    decision = allocator.allocate(requests, state, ctx);
  } finally {
    state.rollbackTrial();
  }
  const fail = (msg: string): never => {
    throw new InvalidDecisionError(allocator.name, msg, ctx.now);
  };
  // Position of each request in `requests`; `answered[i]` marks request i as placed or rejected.
  const position = new Map<string, number>();
  for (let i = 0; i < requests.length; i++) position.set((requests[i] as Request).id, i);
  const answered = new Uint8Array(requests.length);
  let count = 0;
  const mark = (id: string, what: string): number => {
    const i = position.get(id);
    if (i === undefined) return fail(`${what} names unknown request '${id}'`);
    if (answered[i] === 1) fail(`request '${id}' is answered more than once`);
    answered[i] = 1;
    count++;
    return i;
  };
  for (const p of decision.placements) mark(p.requestId, 'a placement');
  for (const j of decision.rejections) mark(j.requestId, 'a rejection');
  if (count !== requests.length) {
    const missing = requests.find((_, i) => answered[i] === 0);
    fail(`request '${missing?.id}' is neither placed nor rejected`);
  }

  let keepPlacement: ((p: Placement) => boolean) | undefined;
  let cutoff = requests.length;
  if (ctx.blocking && decision.rejections.length > 0) {
    for (const j of decision.rejections) if (!isPermanent(j.code)) cutoff = Math.min(cutoff, position.get(j.requestId) as number);
    if (cutoff < requests.length) keepPlacement = (p) => (position.get(p.requestId) as number) < cutoff;
  }
  // A preemption made for a request whose placement is dropped (behind the first waiting one)
  // would evict work for nothing: it is not applied.
  const evicted: { allocation: Allocation; preemption: Preemption }[] = [];
  for (const pre of decision.preemptions) {
    if (state.allocation(pre.allocationId) === undefined) fail(`preemption of unknown allocation '${pre.allocationId}'`);
    const forAt = position.get(pre.forRequestId);
    if (forAt !== undefined && forAt >= cutoff) continue;
    evicted.push({ allocation: state.release(pre.allocationId), preemption: pre });
  }
  const started: Allocation[] = [];
  const rejections: Rejection[] = [...decision.rejections];
  decision.placements.forEach((p) => {
    const r = requests[position.get(p.requestId) as number] as Request;
    if (keepPlacement !== undefined && !keepPlacement(p)) {
      rejections.push({ requestId: r.id, code: 'wait', message: 'behind the head of the queue' });
      return;
    }
    if (!Number.isInteger(p.nodeId) || p.nodeId < 0 || p.nodeId >= state.nodeCount) fail(`placement of '${r.id}' on unknown node ${p.nodeId}`);
    if (!state.fits(p.nodeId, r.demand)) {
      const f = Array.from(state.free(p.nodeId)).map((v) => +v.toFixed(6));
      fail(`placement of '${r.id}' (demand [${r.demand.join(', ')}]) on node ${state.nodeName(p.nodeId)} (${state.nodeStatus(p.nodeId)}, free [${f.join(', ')}]) does not fit`);
    }
    started.push(state.allocate(r, p.nodeId, ctx.now, allocationId(r), p.devices));
  });
  return { started, evicted, rejections, ...(decision.solver ? { solver: decision.solver } : {}) };
}
