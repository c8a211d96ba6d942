import { describe, expect, it } from 'vitest';
import { PolicyNet, POLICY_NET_FORMAT } from '../../src/core/policy-net.js';
import { Rng } from '../../src/core/rng.js';
import type { Episode, Step } from '../../src/learn/env.js';
import { buildBatch, initLayers, PpoLearner } from '../../src/learn/ppo.js';
import { loadTf } from '../../src/predict/tf-runtime.js';

/**
 * One PPO update on hand-made episodes: two candidates per decision, feature +1 or −1. Episodes
 * that picked the +1 candidate got the higher reward, so after the update the policy must prefer
 * it (its probability rises); the padded, absent slots of the bucket never matter.
 */
describe('PPO update', () => {
  it('raises the probability of the actions of better-than-average episodes', { timeout: 60_000 }, async () => {
    const { tf } = await loadTf();
    const F = 2;
    const layers = initLayers([F, 4, 1], new Rng(3), 1);
    const net = (l = layers): PolicyNet => new PolicyNet({ format: POLICY_NET_FORMAT, kind: 'queue', name: 't', features: ['a', 'b'], scaling: { mean: [0, 0], std: [1, 1] }, layers: l });
    const x = Float32Array.from([1, 0.5, -1, 0.5, 0, 0]); // candidates: +1, −1 (and a third in some decisions)
    const prob = (n: PolicyNet, k: number): number => {
      const s = [n.score([1, 0.5]), n.score([-1, 0.5]), n.score([0, 0])].slice(0, k);
      const z = s.reduce((a, v) => a + Math.exp(v), 0);
      return Math.exp(s[0] as number) / z;
    };
    const before = net();
    const step = (action: number, n: number): Step => {
      const s = [before.score([1, 0.5]), before.score([-1, 0.5]), before.score([0, 0])].slice(0, n);
      const m = Math.max(...s);
      const logz = Math.log(s.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
      return { x: x.slice(0, n * F), n, action, logp: (s[action] as number) - logz, shift: m };
    };
    const episode = (action: number, reward: number): Episode => ({ window: 0, seed: 0, steps: [step(action, 2), step(action, 3)], boundedSlowdown: -reward, reward });
    const groups = [
      [episode(0, -10), episode(1, -30), episode(0, -12), episode(1, -28)],
      [episode(0, -100), episode(1, -300)],
    ];
    const learner = new PpoLearner(tf, layers, { learningRate: 0.05, clip: 0.2, entropy: 0, epochs: 3 });
    learner.update(buildBatch(groups, { mean: [0, 0], std: [1, 1] }, F));
    const after = net(learner.layers());
    learner.dispose();
    expect(prob(after, 2)).toBeGreaterThan(prob(before, 2) + 0.02);
    expect(prob(after, 3)).toBeGreaterThan(prob(before, 3) + 0.02);
  });
});
