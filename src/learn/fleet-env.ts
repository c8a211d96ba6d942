import { LearnedAllocator, ALLOCATOR_FEATURES } from '../algorithms/learned.js';
import type { PolicyNet } from '../core/policy-net.js';
import type { AllocatorTrainConfig } from './config.js';
import type { Agent, Episode } from './env.js';
import { runScenario, type ComparisonInput, type RunMetrics } from './sim-adapter.js';

// Kept apart from the trainer (fleet.ts): the public API exports FleetEnv, and the trainer's
// TensorFlow.js types must not reach a consumer's type-check (tfjs's own .d.ts files fail under
// `strict` without `skipLibCheck`).

/**
 * The allocator environment: one episode = one run of a scenario whose workload is drawn with a
 * seed (`reset(seed)`), cut at `horizon`. Each placement is a decision: the learned allocator
 * hands the agent the features of the feasible (request, node) pairs (observe), the agent picks
 * one (act; only feasible nodes are candidates, which is the action mask), and the reward comes
 * at the end of the episode:
 *
 *   reward = w_sla · SLA attainment − w_cost · cost / C0 + w_util · mean utilization
 *
 * C0 = cost of the initial fleet over the episode (Σ pools initial nodes × price × hours), so the
 * cost term is 1 for a fleet that never grows. Utilization: the mean over the dimensions with capacity.
 */
export type ScenarioFactory = (seed: number) => Promise<ComparisonInput>;

export function fleetReward(m: RunMetrics, input: ComparisonInput, w: AllocatorTrainConfig['reward'], horizon: number): number {
  const c0 = input.pools.reduce((a, p) => a + p.nodes.initial * p.pricePerHour, 0) * (horizon / 3600);
  // Over the dimensions the scenario has capacity of (a CPU-only fleet has no GPU utilization).
  const utils = Object.values(m.utilization).filter((u): u is number => u !== null);
  const util = utils.length > 0 ? utils.reduce((a, b) => a + b, 0) / utils.length : 0;
  return w.sla * (m.sla.overall.attainment ?? 1) - w.cost * (c0 > 0 ? m.cost.total / c0 : 0) + w.utilization * util;
}

export class FleetEnv {
  private seed: number | undefined;

  constructor(
    private readonly scenario: ScenarioFactory,
    private readonly cfg: Pick<AllocatorTrainConfig, 'reward' | 'horizon'>,
  ) {}

  reset(seed: number): void {
    this.seed = seed;
  }

  async run(net: PolicyNet, agent?: Agent & { readonly steps?: Episode['steps'] }): Promise<Episode & { readonly metrics: RunMetrics }> {
    if (this.seed === undefined) throw new Error('FleetEnv: call reset(seed) first');
    const input = await this.scenario(this.seed);
    const F = ALLOCATOR_FEATURES.length;
    const chooser = agent === undefined ? undefined : { choose: (features: Float64Array, n: number, scores: Float64Array) => agent.act({ features, n, featureCount: F, scores }) };
    const horizon = this.cfg.horizon ?? input.horizon ?? 3600;
    const metrics = await runScenario(input, net.model.name, () => new LearnedAllocator(net, chooser), horizon);
    const reward = fleetReward(metrics, input, this.cfg.reward, horizon);
    return { window: this.seed, seed: this.seed, steps: agent?.steps ?? [], boundedSlowdown: metrics.meanBoundedSlowdown ?? 0, reward, metrics }; // informational: the reward is fleetReward's
  }
}
