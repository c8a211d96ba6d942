import { describe, expect, it } from 'vitest';
import { POLICY_NET_FORMAT, PolicyNet, validatePolicyNetFile, type PolicyNetFile } from '../../src/core/policy-net.js';
import { protocolBackfill } from '../../src/learn/sim-adapter.js';
import { LearnedQueue, QUEUE_FEATURES } from '../../src/queue/learned-queue.js';
import { evaluateQueueModel } from '../../src/learn/evaluate.js';
import { syntheticWorkload, thrownMessage } from './support.js';

const F = QUEUE_FEATURES.length;
/** A linear scorer: +1 × feature k (after identity scaling). */
const linear = (k: number, sign = 1) => [{ weights: QUEUE_FEATURES.map((_, i) => (i === k ? sign : 0)), bias: [0], activation: 'linear' as const }];
const identity = { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) };
// Without backfilling: the longest requested time first (feature 1); with backfilling: the shortest.
const model: PolicyNetFile = {
  format: POLICY_NET_FORMAT,
  kind: 'queue',
  name: 'two-scorers',
  features: QUEUE_FEATURES,
  scaling: identity,
  layers: linear(1),
  withBackfilling: { scaling: identity, layers: linear(1, -1), training: { note: 'shortest first' } },
};

describe('a queue model with a scorer for backfilling (withBackfilling)', () => {
  it('uses the second scorer exactly when the queue backfills, from the same loaded network', async () => {
    const net = new PolicyNet(validatePolicyNetFile(JSON.parse(JSON.stringify(model)), 'two.json', { kind: 'queue', features: QUEUE_FEATURES }));
    expect(new LearnedQueue(net).net).toBe(net);
    const easy = new LearnedQueue(net, { backfill: protocolBackfill('easy') as NonNullable<ReturnType<typeof protocolBackfill>> });
    expect(easy.net).toBe(net.backfilling);
    expect(easy.net.model.layers).toEqual(linear(1, -1));
    expect(easy.name).toBe('learned-queue:two-scorers');
    // On a log, the EASY run of the two-scorer model is the EASY run of the shortest-first scorer,
    // and its no-backfilling run that of the longest-first scorer.
    const w = syntheticWorkload(700);
    const two = (await evaluateQueueModel(net, w, [0, 300], 256, false)).meanBoundedSlowdown['learned-queue:two-scorers'] as { none: number; easy: number };
    const longest = new PolicyNet({ ...model, withBackfilling: undefined } as PolicyNetFile);
    const shortest = new PolicyNet({ ...model, layers: linear(1, -1), withBackfilling: undefined } as PolicyNetFile);
    const l = (await evaluateQueueModel(longest, w, [0, 300], 256, false)).meanBoundedSlowdown['learned-queue:two-scorers'] as { none: number; easy: number };
    const s = (await evaluateQueueModel(shortest, w, [0, 300], 256, false)).meanBoundedSlowdown['learned-queue:two-scorers'] as { none: number; easy: number };
    expect(two.none).toBe(l.none);
    expect(two.easy).toBe(s.easy);
    expect(l.easy).not.toBe(s.easy);
  });

  it('refuses a malformed or misplaced scorer, naming the field', () => {
    const check = (m: unknown): string => thrownMessage(() => validatePolicyNetFile(m, 'm.json'));
    expect(check(model)).toBe('accepted');
    expect(check({ ...model, withBackfilling: { scaling: identity, layers: [{ weights: [1, 2], bias: [0], activation: 'linear' }] } })).toMatch(/field 'withBackfilling.layers\[0\].weights'.*1×8 = 8 numbers/);
    expect(check({ ...model, withBackfilling: { scaling: { mean: [0], std: [1] }, layers: linear(1) } })).toMatch(/field 'withBackfilling.scaling.mean'/);
    expect(check({ ...model, withBackfilling: 3 })).toMatch(/field 'withBackfilling'/);
    expect(check({ ...model, kind: 'allocator' })).toMatch(/field 'withBackfilling'.*only a queue model/);
  });
});
