import type { ClusterState } from '../core/cluster.js';
import { InvalidDecisionError } from '../core/errors.js';
import type { Allocation, Request } from '../core/model.js';
import { isPermanent, type Rejection } from '../core/rejection.js';
import type { Allocator, AllocatorContext, Decision, Placement, Preemption, SolverReport } from './allocator.js';
import { positionOf } from './positions.js';

/** What applying a decision did; the simulator and the production scheduler both consume it. */
export interface AppliedDecision {
  readonly started: readonly Allocation[];
  /** Allocations evicted for higher-priority work (already released from the cluster). */
  readonly evicted: readonly { readonly allocation: Allocation; readonly preemption: Preemption }[];
  readonly rejections: readonly Rejection[];
  readonly solver?: SolverReport;
  /** Position in the decided `requests` of each `started` allocation's request (same order). */
  readonly startedAt: readonly number[];
  /** Position in the decided `requests` of each rejection's request (same order). */
  readonly rejectedAt: readonly number[];
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
  allocationId: (r: Request, position: number) => string = (r) => r.id,
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
  // Position in `requests` of each placement's and each rejection's request.
  const { placeAt, rejectAt } = answerPositions(requests, decision) ?? checkedPositions(requests, decision, fail);

  let cutoff = requests.length;
  if (ctx.blocking && decision.rejections.length > 0) {
    decision.rejections.forEach((j, k) => {
      if (!isPermanent(j.code)) cutoff = Math.min(cutoff, rejectAt[k] as number);
    });
  }
  // A preemption made for a request whose placement is dropped (behind the first waiting one)
  // would evict work for nothing: it is not applied.
  const evicted: { allocation: Allocation; preemption: Preemption }[] = [];
  if (decision.preemptions.length > 0) {
    for (const pre of decision.preemptions) {
      if (state.allocation(pre.allocationId) === undefined) fail(`preemption of unknown allocation '${pre.allocationId}'`);
      const forAt = positionOf(requests, pre.forRequestId);
      if (forAt !== undefined && forAt >= cutoff) continue;
      evicted.push({ allocation: state.release(pre.allocationId), preemption: pre });
    }
  }
  const started: Allocation[] = [];
  const startedAt: number[] = [];
  const rejections: Rejection[] = [...decision.rejections];
  const rejectedAt = rejectAt;
  decision.placements.forEach((p, k) => {
    const i = placeAt[k] as number;
    const r = requests[i] as Request;
    if (i >= cutoff) {
      rejections.push({ requestId: r.id, code: 'wait', message: 'behind the head of the queue' });
      rejectedAt.push(i);
      return;
    }
    if (!Number.isInteger(p.nodeId) || p.nodeId < 0 || p.nodeId >= state.nodeCount) fail(`placement of '${r.id}' on unknown node ${p.nodeId}`);
    if (!state.fits(p.nodeId, r.demand)) {
      const f = Array.from(state.free(p.nodeId)).map((v) => +v.toFixed(6));
      fail(`placement of '${r.id}' (demand [${r.demand.join(', ')}]) on node ${state.nodeName(p.nodeId)} (${state.nodeStatus(p.nodeId)}, free [${f.join(', ')}]) does not fit`);
    }
    started.push(state.allocate(r, p.nodeId, ctx.now, allocationId(r, i), p.devices));
    startedAt.push(i);
  });
  return { started, evicted, rejections, ...(decision.solver ? { solver: decision.solver } : {}), startedAt, rejectedAt };
}

interface Positions {
  readonly placeAt: number[];
  readonly rejectAt: number[];
}

/**
 * The fast path: when the placements and the rejections each name requests in the order of
 * `requests` (what the greedy strategies answer), one merge over `requests` proves every request
 * answered exactly once and gives the positions, with no map. Undefined when not so answered.
 */
function answerPositions(requests: readonly Request[], decision: Decision): Positions | undefined {
  const { placements, rejections } = decision;
  if (placements.length + rejections.length !== requests.length) return undefined;
  const placeAt: number[] = [];
  const rejectAt: number[] = [];
  for (let i = 0; i < requests.length; i++) {
    const id = (requests[i] as Request).id;
    const pi = placeAt.length;
    const ri = rejectAt.length;
    if (pi < placements.length && (placements[pi] as Placement).requestId === id) placeAt.push(i);
    else if (ri < rejections.length && (rejections[ri] as Rejection).requestId === id) rejectAt.push(i);
    else return undefined;
  }
  return { placeAt, rejectAt };
}

/** Any order: the positions by id, checking that every request is answered exactly once. */
function checkedPositions(requests: readonly Request[], decision: Decision, fail: (msg: string) => never): Positions {
  const answered = new Uint8Array(requests.length);
  let count = 0;
  const mark = (id: string, what: string): number => {
    const i = positionOf(requests, id);
    if (i === undefined) return fail(`${what} names unknown request '${id}'`);
    if (answered[i] === 1) fail(`request '${id}' is answered more than once`);
    answered[i] = 1;
    count++;
    return i;
  };
  const placeAt: number[] = [];
  for (const p of decision.placements) placeAt.push(mark(p.requestId, 'a placement'));
  const rejectAt: number[] = [];
  for (const j of decision.rejections) rejectAt.push(mark(j.requestId, 'a rejection'));
  if (count !== requests.length) {
    const missing = requests.find((_, i) => answered[i] === 0);
    fail(`request '${missing?.id}' is neither placed nor rejected`);
  }
  return { placeAt, rejectAt };
}
