/**
 * Decision-time cost of the learned strategies (no TensorFlow at decision time): the forward pass
 * over 128 waiting jobs, and one full `LearnedQueue.order` call on 128 waiting jobs (features,
 * scores, pick) with a shipped model. Median over repeated calls after a warm-up.
 *
 * A third case has 120 one-processor jobs running instead of one wide one: a `time-to-fit` model
 * walks their requested ends for every candidate that does not fit.
 *
 *   npx tsx bench/learn-inference.ts [MODEL]        (default sdsc-sp2)
 */
import { ClusterState } from '../src/core/cluster.js';
import type { Request } from '../src/core/model.js';
import { ResourceSpace } from '../src/core/resources.js';
import { Rng } from '../src/core/rng.js';
import { learnedQueue } from '../src/queue/learned-queue.js';
import type { QueuedRequest } from '../src/queue/policy.js';
import './usage.js'; // an unknown model name ends in one line and exit 2

const q = learnedQueue(process.argv[2] ?? 'sdsc-sp2');
const space = new ResourceSpace(['cpu']);
const state = new ClusterState(space, [{ name: 'm', capacity: [128], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} }]);
state.addNode(0, 'up');
state.allocate({ id: 'busy', tenant: 't', arrival: 0, demand: [120], duration: 1e6, priority: 'medium' }, 0, 0);
// The same machine with 120 one-processor jobs running (requested ends spread over 10 hours).
const busy = new ClusterState(space, [{ name: 'm', capacity: [128], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} }]);
busy.addNode(0, 'up');
for (let i = 0; i < 120; i++) busy.allocate({ id: `r${i}`, tenant: 't', arrival: 0, demand: [1], duration: 5000 + i * 300, priority: 'medium' }, 0, 0);
const rng = new Rng(1);
const jobs = (n: number): QueuedRequest[] => Array.from({ length: n }, (_, i) => {
  const r: Request = { id: `j${i}`, tenant: 't', arrival: i * 10, demand: [1 + rng.int(64)], duration: 60 + rng.int(36000), priority: 'medium' };
  return { request: r, enqueuedAt: r.arrival, seq: i, attempts: 0 };
});
const waiting = jobs(128);
// More than 128 waiting: the model's candidate rule picks the 128 candidates first (short-narrow: two sorts).
const many = jobs(400);
function median(f: () => void, n: number): number {
  for (let k = 0; k < 200; k++) f();
  const t: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[n >> 1] as number;
}
const x = new Float64Array(128 * q.featureCount).map((_, i) => (i % 11) * 0.3);
const out = new Float64Array(128);
const fwd = median(() => q.net.scoreAll(x, 128, out), 500);
const order = median(() => {
  q.reset();
  q.order(waiting, 5000, state);
}, 500);
const d0 = q.decisions;
q.reset();
q.order(waiting, 5000, state);
const picks = q.decisions - d0;
const orderMany = median(() => {
  q.reset();
  q.order(many, 5000, state);
}, 300);
const orderBusy = median(() => {
  q.reset();
  q.order(waiting, 5000, busy);
}, 300);
q.reset();
const b0 = q.decisions;
q.order(waiting, 5000, busy);
const busyPicks = q.decisions - b0;
console.log(`model ${q.name}: ${q.featureCount} features, candidates ${q.candidateRule}`);
q.reset();
const m0 = q.decisions;
q.order(many, 5000, state);
const manyPicks = q.decisions - m0;
console.log(`LearnedQueue.order, 400 waiting jobs (128 candidates): ${(orderMany * 1000).toFixed(1)} µs (median) for ${manyPicks} decisions, ${((orderMany * 1000) / manyPicks).toFixed(1)} µs per decision`);
console.log(`forward pass, 128 jobs: ${(fwd * 1000).toFixed(1)} µs (median)`);
console.log(`LearnedQueue.order, 128 waiting jobs, 8 processors free (every pick that fits is one decision: features + scores + argmax): ${(order * 1000).toFixed(1)} µs (median) for ${picks} decisions, ${((order * 1000) / picks).toFixed(1)} µs per decision`);
console.log(`LearnedQueue.order, 128 waiting jobs, 120 one-processor jobs running: ${(orderBusy * 1000).toFixed(1)} µs (median) for ${busyPicks} decisions, ${((orderBusy * 1000) / busyPicks).toFixed(1)} µs per decision`);
