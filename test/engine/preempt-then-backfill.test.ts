import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { easyBackfill } from '../../src/queue/easy.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

/**
 * A blocking pass whose decision evicts work (priority preemption, no quotas) at the instant a
 * head blocks: the evicted work is requeued with its arrival, so it may rejoin the queue ahead
 * of that head. The pass that evicted must not go on to pick a head, reserve for it and backfill
 * against that reservation: the queue it walks no longer is the queue (rule 6 of the pass).
 */
const pool = (n: number): PoolSpec => ({ name: 'p', capacity: [4], nodes: { min: n, max: n, initial: n }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string, arrival: number, cpu: number, duration: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival, demand: [cpu], duration, priority: 'medium', ...extra });

async function lives(requests: Request[], nodes = 2): Promise<Record<string, { starts: [number, number][]; preempted: number[] }>> {
  const out = await replay({
    space: new ResourceSpace(['cpu']),
    pools: [pool(nodes)],
    requests,
    seed: 1,
    allocator: createAllocator({ name: 'first-fit', preemption: true }),
    queue: fcfs({ blocking: true, backfill: easyBackfill() }),
  });
  const l: Record<string, { starts: [number, number][]; preempted: number[] }> = {};
  const { log } = out;
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    if (k !== EV.start && k !== EV.preempt) continue;
    const id = log.store.id(log.ref(i));
    const e = (l[id] ??= { starts: [], preempted: [] });
    if (k === EV.start) e.starts.push([log.time(i), log.node(i)]);
    else e.preempted.push(log.time(i));
  }
  return l;
}

describe('FCFS + EASY + preemption at one instant', () => {
  it('the work a critical arrival evicts is the head the backfilling protects, not the request that was next before it rejoined', async () => {
    // Two nodes of 4 cpu. From 0: V (low, preemptible, 3 cpu, 1000 s) and W (1 cpu, until 20) on
    // node 0, X (4 cpu, until 50) on node 1. At 10 arrive C (critical, 1 cpu), H (4 cpu, 10 s) and
    // B (1 cpu, 1000 s). C evicts V on node 0 and starts there (2 cpu left free); V is requeued
    // with its arrival 0, ahead of H. Queue at 10: V, H, B.
    //
    // V is the head: node 0 holds it at 20 (W ends: 2 + 1 = 3 free), so B (1000 s, fits node 0
    // now) may not start there. At 20 V starts on node 0; at 50 H on node 1 (X ended); at 60 B.
    //
    //   node 0  |V 0─10✕  W 0──20|  C 10────────────────1010|  V 20─────────────1020|
    //   node 1  |X 0───────50|H 50─60|B 60──────────────────1060|
    //
    // The pass that evicted V used to go on: H blocked, its reservation (node 1 at 50, from a
    // queue without V) let B start on node 0 at 10 (rule 3); V, requeued behind that decision,
    // then found node 0 at 2 free at 20 and waited for node 1 at 50, and H, behind V, until 1010.
    const l = await lives([
      req('V', 0, 3, 1000, { priority: 'low', preemptible: true }),
      req('W', 0, 1, 20),
      req('X', 0, 4, 50),
      req('C', 10, 1, 1000, { priority: 'critical' }),
      req('H', 10, 4, 10),
      req('B', 10, 1, 1000),
    ]);
    expect(l.V).toEqual({ starts: [[0, 0], [20, 0]], preempted: [10] });
    expect(l.C?.starts).toEqual([[10, 0]]);
    expect(l.H?.starts).toEqual([[50, 1]]);
    expect(l.B?.starts).toEqual([[60, 1]]);
  });

  it('the same when the decision that evicted also left the next request waiting (a chunk of several)', async () => {
    // As above, but W (1 cpu) ends at 10 and A (1 cpu, 10 s) arrives at 10 first and takes its
    // room: the pass offers [A], then [C, H, B] in one decision, where C evicts V and H must wait.
    // That decision blocked as well as evicted: still no head is chosen from a queue without V.
    const l = await lives([
      req('V', 0, 3, 1000, { priority: 'low', preemptible: true }),
      req('W', 0, 1, 10),
      req('X', 0, 4, 50),
      req('A', 10, 1, 10),
      req('C', 10, 1, 1000, { priority: 'critical' }),
      req('H', 10, 4, 10),
      req('B', 10, 1, 1000),
    ]);
    expect(l.A?.starts).toEqual([[10, 0]]);
    expect(l.V).toEqual({ starts: [[0, 0], [20, 0]], preempted: [10] });
    expect(l.H?.starts).toEqual([[50, 1]]);
    expect(l.B?.starts).toEqual([[60, 1]]);
  });

  it('the work it evicts is in line before what the pass would have offered next: that does not start ahead of it', async () => {
    // One node of 4 cpu. From 0: V (low, preemptible, 3 cpu, 1000 s) and W (1 cpu, until 20).
    // At 10 arrive C (critical, 1 cpu) and H (2 cpu, 100 s). C evicts V; 2 cpu are free. V
    // (arrival 0) is first in line again and holds H back (head-of-line blocking; H would end at
    // 110, after V's shadow time 20, and the node has nothing to spare): V starts at 20 when W
    // ends, H when V ends at 1020 (C's end at 1010 frees 1 cpu). H used to start at 10 in the room C left, offered in the same
    // pass as if V were not in line, and V waited for it until 110.
    const l = await lives([
      req('V', 0, 3, 1000, { priority: 'low', preemptible: true }),
      req('W', 0, 1, 20),
      req('C', 10, 1, 1000, { priority: 'critical' }),
      req('H', 10, 2, 100),
    ], 1);
    expect(l.V).toEqual({ starts: [[0, 0], [20, 0]], preempted: [10] });
    expect(l.H?.starts).toEqual([[1020, 0]]);
  });
});
