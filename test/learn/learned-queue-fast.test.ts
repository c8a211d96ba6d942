import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/core/cluster.js';
import { estimatedDuration, type Request } from '../../src/core/model.js';
import { loadPolicyNetFile, PolicyNet, type PolicyNetFile } from '../../src/core/policy-net.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { FreeCopy } from '../../src/queue/learned-free.js';
import { LearnedQueue, MAX_VISIBLE, QUEUE_FEATURE_SETS, QUEUE_FEATURES_TIME_TO_FIT, queueFeatures, type QueueChooser } from '../../src/queue/learned-queue.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { randomMachine, randomModel } from './support.js';

/**
 * The queue keeps feature rows between picks, scores four rows at a time, skips choosing
 * candidates behind a head that still does not fit and picks short-narrow candidates without
 * sorting the queue. Here each of its decisions is held, bit for bit, against the plain way:
 * every feature recomputed with queueFeatures at every pick, every row scored alone, the
 * candidates chosen by sorting, the rest merged, on random machines and queues (seeded).
 */

const space = new ResourceSpace(['cpu', 'mem']);

interface Seen {
  rows: Float64Array[];
  scores: Float64Array[];
}

/** The plain order: what learned-queue computed before it kept anything between picks. */
class PlainQueue {
  head: QueuedRequest | undefined;
  decisions = 0;
  readonly seen: Seen = { rows: [], scores: [] };
  constructor(
    private readonly net: PolicyNet,
    private readonly rule: 'arrival' | 'short-narrow',
  ) {}

  order(waiting: readonly QueuedRequest[], now: number, cluster: ClusterState): QueuedRequest[] {
    const bySeq = [...waiting].sort((a, b) => a.seq - b.seq);
    const free = new FreeCopy(cluster, 0, now);
    const out: QueuedRequest[] = [];
    let [cand, later] = this.visible(bySeq);
    const head = this.head;
    if (head !== undefined && bySeq.includes(head)) {
      out.push(head);
      cand = cand.filter((q) => q !== head);
      later = later.filter((q) => q !== head);
      const node = free.find(head.request.demand);
      if (node < 0) return merged(out, cand, later);
      free.take(node, head.request.demand, estimatedDuration(head.request));
    }
    this.head = undefined;
    const F = this.net.featureCount;
    while (cand.length > 0) {
      const n = cand.length;
      const fits = cand.map((q) => free.find(q.request.demand));
      const x = new Float64Array(n * F);
      cand.forEach((q, j) => {
        const fitsNow = (fits[j] as number) >= 0;
        const t = F === QUEUE_FEATURES_TIME_TO_FIT.length ? free.timeToFit(q.request.demand[0] ?? 0, fitsNow) : 0;
        queueFeatures(x, j, q, now, fitsNow, free, n, 0, F, t);
      });
      const scores = Float64Array.from({ length: n }, (_, j) => this.net.score(x.subarray(j * F, (j + 1) * F)));
      this.seen.rows.push(x);
      this.seen.scores.push(scores);
      let pick = 0;
      for (let j = 1; j < n; j++) if ((scores[j] as number) > (scores[pick] as number)) pick = j;
      this.decisions++;
      const q = cand[pick] as QueuedRequest;
      out.push(q);
      cand.splice(pick, 1);
      if ((fits[pick] as number) < 0) {
        this.head = q;
        return merged(out, cand, later);
      }
      free.take(fits[pick] as number, q.request.demand, estimatedDuration(q.request));
    }
    let i = 0;
    while (i < later.length) {
      const q = later[i++] as QueuedRequest;
      out.push(q);
      const node = free.find(q.request.demand);
      if (node < 0) {
        this.head = q;
        break;
      }
      free.take(node, q.request.demand, estimatedDuration(q.request));
    }
    return [...out, ...later.slice(i)];
  }

  private visible(bySeq: QueuedRequest[]): [QueuedRequest[], QueuedRequest[]] {
    if (bySeq.length <= MAX_VISIBLE || this.rule === 'arrival') return [bySeq.slice(0, MAX_VISIBLE), bySeq.slice(MAX_VISIBLE)];
    const short = [...bySeq].sort((a, b) => estimatedDuration(a.request) - estimatedDuration(b.request) || a.seq - b.seq);
    const narrow = [...bySeq].sort((a, b) => (a.request.demand[0] ?? 0) - (b.request.demand[0] ?? 0) || a.seq - b.seq);
    const chosen = new Set<QueuedRequest>();
    for (let i = 0; chosen.size < MAX_VISIBLE; i++) {
      chosen.add(short[i] as QueuedRequest);
      if (chosen.size < MAX_VISIBLE) chosen.add(narrow[i] as QueuedRequest);
    }
    return [bySeq.filter((q) => chosen.has(q)), bySeq.filter((q) => !chosen.has(q))];
  }
}

function merged(out: QueuedRequest[], cand: QueuedRequest[], later: QueuedRequest[]): QueuedRequest[] {
  return [...out, ...[...cand, ...later].sort((a, b) => a.seq - b.seq)];
}

/** A chooser that takes the argmax and keeps copies of what it was shown. */
function recorder(F: number): QueueChooser & Seen {
  const rows: Float64Array[] = [];
  const scores: Float64Array[] = [];
  return {
    rows,
    scores,
    choose(x, n, s) {
      rows.push(x.slice(0, n * F));
      scores.push(s.slice(0, n));
      let pick = 0;
      for (let j = 1; j < n; j++) if ((s[j] as number) > (s[pick] as number)) pick = j;
      return pick;
    },
  };
}

/** Jobs of few distinct widths and requests (ties in both sorts), some with no known duration. */
function randomJobs(rng: Rng, n: number, from: number, now: number): QueuedRequest[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    const requested = rng.uniform(0, 1) < 0.03 ? Infinity : [30, 600, 3600, 7200][rng.int(4)];
    const r: Request = { id: `j${seq}`, tenant: 't', arrival: now - rng.int(20000), demand: [[1, 2, 4, 16, 64, 200][rng.int(6)] as number, rng.int(32)], duration: 10 + rng.int(4000), requestedDuration: requested as number, priority: 'medium' };
    return { request: r, enqueuedAt: r.arrival, seq, attempts: 0 };
  });
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const shipped = ['hpc2n', 'sdsc-sp2', 'lublin-1'].flatMap((name) => {
  const file = loadPolicyNetFile(name, 'queue', QUEUE_FEATURE_SETS);
  return [false, true].map((backfill) => ({ label: `${name}${backfill ? ' (backfilling scorer)' : ''}`, net: new PolicyNet(file).forBackfilling(backfill) }));
});
const relu: PolicyNetFile = { ...randomModel('queue', 4, [6, 5]), candidates: 'short-narrow' };
const models = [...shipped, { label: 'random relu', net: new PolicyNet({ ...relu, layers: relu.layers.map((l, k) => (k === 0 ? { ...l, activation: 'relu' as const } : l)) }) }];

describe('learned-queue decides exactly as the plain recomputation', () => {
  for (const { label, net } of models) {
    it(`${label}: the same orders, decisions, feature rows and scores over 60 random calls`, () => {
      const rng = new Rng(label.length * 7919 + 3);
      const plain = new PlainQueue(net, net.model.candidates ?? 'arrival');
      const fast = new LearnedQueue(net, { planner: false }); // the scorer's path (a planner, Lublin-1's, is test/learn/planner.test.ts's)
      const rec = recorder(net.featureCount);
      const seeing = new LearnedQueue(net, { chooser: rec });
      let now = 100_000;
      let seq = 0;
      let queue: QueuedRequest[] = [];
      let severalPicks = 0; // calls with more than one decision: rows kept from pick to pick
      for (let call = 0; call < 60; call++) {
        now += rng.int(400);
        // Some jobs leave, some arrive; the committed head mostly stays waiting.
        queue = queue.filter((q) => q === plain.head || rng.uniform(0, 1) < 0.8);
        const fresh = randomJobs(rng, rng.int(call % 5 === 0 ? 300 : 40), seq, now);
        seq += fresh.length + rng.int(3);
        queue = [...queue, ...fresh];
        if (plain.head !== undefined && rng.uniform(0, 1) < 0.4) queue = queue.filter((q) => q !== plain.head);
        // The engine's queue is in arrival order; also a shuffled one, and one with repeated seqs.
        let waiting = queue;
        if (call % 7 === 3) waiting = [...queue].reverse();
        if (call % 4 === 1 && queue.length > 2) {
          // A job of the same seq just before queue[1] (still in order), never a short-narrow candidate: a merge puts it after queue[1].
          const twin = { ...(queue[1] as QueuedRequest), request: { ...(queue[1] as QueuedRequest).request, id: 'twin', demand: [200, 0], requestedDuration: Infinity } };
          waiting = [queue[0] as QueuedRequest, twin, ...queue.slice(1)];
        }
        const machine = randomMachine(space, rng, now, 0.7);
        const before = fast.decisions;
        const want = plain.order(waiting, now, machine).map((q) => q.request.id);
        expect(fast.order(waiting, now, machine).map((q) => q.request.id)).toEqual(want);
        expect(seeing.order(waiting, now, machine).map((q) => q.request.id)).toEqual(want);
        if (fast.decisions - before > 1) severalPicks++;
        expect(fast.decisions).toBe(plain.decisions);
      }
      expect(plain.decisions).toBeGreaterThan(40);
      expect(severalPicks).toBeGreaterThan(3);
      expect(rec.rows.length).toBe(plain.seen.rows.length);
      rec.rows.forEach((r, k) => expect(sameBits(r, plain.seen.rows[k] as Float64Array), `features of decision ${k}`).toBe(true));
      rec.scores.forEach((s, k) => expect(sameBits(s, plain.seen.scores[k] as Float64Array), `scores of decision ${k}`).toBe(true));
    });
  }

  it('scoreAll gives each row the score of that row alone, bit for bit, for any number of rows', () => {
    const rng = new Rng(5);
    for (const { net } of models) {
      const F = net.featureCount;
      for (const n of [0, 1, 3, 4, 5, 8, 13]) {
        const x = Float64Array.from({ length: n * F }, () => rng.normal(0, 3));
        const all = net.scoreAll(x, n, new Float64Array(n));
        const one = Float64Array.from({ length: n }, (_, j) => net.score(x, j * F));
        expect(sameBits(all, one)).toBe(true);
      }
    }
  });
});
