import type { PolicyNet } from '../core/policy-net.js';
import { Rng } from '../core/rng.js';
import { requestFacts } from '../queue/keyed.js';
import type { OrderKey } from '../queue/keys.js';
import { LearnedQueue, type ChoiceContext, type QueueChooser } from '../queue/learned-queue.js';
import { protocolBackfill, replaySwfWindow, type BatchJob } from './sim-adapter.js';

/**
 * The queue environment over the simulator (one SWF window per episode).
 *
 * The simulator owns the loop (it calls the queue policy when it needs an order), so the
 * environment inverts control through the policy's `chooser` hook: `reset(seed, window)` fixes
 * the episode; `run(agent)` replays the window with the learned queue, and every time the queue
 * must pick a job it hands the agent an observation and the agent acts:
 *
 *   observe  → Observation { features (n × F raw features, row per waiting job), n, scores }
 *   act      ← index in [0, n): the job to run next (only the n present jobs can be chosen: the
 *              action mask is "the first n of MAX_VISIBLE slots")
 *   reward   = −(mean bounded slowdown of the window's jobs), given at the end of the episode
 *              (the jobs' slowdowns are only known once they have all started).
 *
 * Episodes are deterministic for a seed: the simulator is, and the agent's randomness comes from
 * `Rng(seed)` (see `sampleAgent`).
 */
export interface Observation {
  /** Raw features, row-major n × featureCount (a view valid only during `act`). */
  readonly features: Float64Array;
  readonly n: number;
  readonly featureCount: number;
  /** The network's scores of the n candidates (the logits of the policy). */
  readonly scores: Float64Array;
  /** The candidates and the time (queue environment only; a teacher order needs them). */
  readonly context?: ChoiceContext;
}

export interface Agent {
  act(obs: Observation): number;
}

/** One decision of an episode, as the trainer needs it. */
export interface Step {
  /** n × F raw features. */
  readonly x: Float32Array;
  readonly n: number;
  readonly action: number;
  /** log π_old(action). */
  readonly logp: number;
  /** Highest score of the decision (the softmax's shift). */
  readonly shift: number;
}

export interface Episode {
  readonly window: number;
  readonly seed: number;
  readonly steps: Step[];
  readonly boundedSlowdown: number;
  readonly reward: number;
}

export interface QueueEnvOptions {
  readonly jobs: readonly BatchJob[];
  readonly machine: number;
  /** Jobs per episode. */
  readonly length: number;
  readonly backfill: 'none' | 'easy';
}

export class QueueEnv {
  private window = -1;
  private seed = 0;

  constructor(private readonly o: QueueEnvOptions) {}

  reset(seed: number, window: number): void {
    if (!Number.isInteger(window) || window < 0 || window + this.o.length > this.o.jobs.length) throw new RangeError(`window ${window} is not inside the ${this.o.jobs.length} jobs`);
    this.seed = seed;
    this.window = window;
  }

  /** Play the episode set by `reset` with `net`, letting `agent` pick (argmax when absent). */
  async run(net: PolicyNet, agent?: Agent & { readonly steps?: Step[] }): Promise<Episode> {
    if (this.window < 0) throw new Error('QueueEnv: call reset(seed, window) first');
    const F = net.featureCount;
    const chooser: QueueChooser | undefined =
      agent === undefined ? undefined : { choose: (features, n, scores, context) => agent.act({ features, n, featureCount: F, scores, context }) };
    const backfill = protocolBackfill(this.o.backfill);
    const queue = new LearnedQueue(net, { ...(backfill === undefined ? {} : { backfill }), ...(chooser === undefined ? {} : { chooser }) });
    const r = await replaySwfWindow(this.o.jobs, this.window, this.o.length, this.o.machine, queue);
    return { window: this.window, seed: this.seed, steps: agent?.steps ?? [], boundedSlowdown: r.boundedSlowdown, reward: reward(r.boundedSlowdown) };
  }
}

/** The HPC queue reward: minus the window's mean bounded slowdown. */
export function reward(meanBoundedSlowdown: number): number {
  return -meanBoundedSlowdown;
}

/**
 * The training agent: samples the action from softmax(scores) over the n present jobs
 * (inverse CDF with the seeded Rng) and records each step with its log-probability.
 *
 *   π(j) = exp(s_j − m) / Σ_{k<n} exp(s_k − m),  m = max_k s_k
 */
export function sampleAgent(rng: Rng): Agent & { steps: Step[] } {
  const steps: Step[] = [];
  return {
    steps,
    act(obs: Observation): number {
      const { n, scores } = obs;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, scores[j] as number);
      let z = 0;
      for (let j = 0; j < n; j++) z += Math.exp((scores[j] as number) - m);
      const u = rng.next() * z;
      let acc = 0;
      let a = n - 1;
      for (let j = 0; j < n; j++) {
        acc += Math.exp((scores[j] as number) - m);
        if (u < acc) {
          a = j;
          break;
        }
      }
      const logp = (scores[a] as number) - m - Math.log(z);
      steps.push({ x: Float32Array.from(obs.features.subarray(0, n * obs.featureCount)), n, action: a, logp, shift: m });
      return a;
    },
  };
}

/** Agent that always takes the first candidate in arrival order (used to measure feature scaling). */
export function firstAgent(): Agent & { steps: Step[] } {
  const steps: Step[] = [];
  return {
    steps,
    act(obs: Observation): number {
      steps.push({ x: Float32Array.from(obs.features.subarray(0, obs.n * obs.featureCount)), n: obs.n, action: 0, logp: 0, shift: 0 });
      return 0;
    },
  };
}

/**
 * A teacher for behaviour cloning: takes the candidate with the lowest `key` (ties: the earlier
 * candidate, i.e. arrival order), the choice the keyed policy of that order makes under the
 * protocol, and records each decision like `sampleAgent` (logp 0: the teacher is deterministic).
 */
export function teacherAgent(key: OrderKey): Agent & { steps: Step[] } {
  const steps: Step[] = [];
  return {
    steps,
    act(obs: Observation): number {
      const c = obs.context;
      if (c === undefined) throw new Error('teacherAgent: the observation has no candidates (queue environment only)');
      let a = 0;
      let best = Infinity;
      let bestTie = Infinity;
      for (let j = 0; j < obs.n; j++) {
        const f = requestFacts(c.candidates[j] as (typeof c.candidates)[number]);
        const k = key.key(f, c.now);
        const t = key.tie?.(f, c.now) ?? 0;
        if (k < best || (k === best && t < bestTie)) {
          a = j;
          best = k;
          bestTie = t;
        }
      }
      steps.push({ x: Float32Array.from(obs.features.subarray(0, obs.n * obs.featureCount)), n: obs.n, action: a, logp: 0, shift: 0 });
      return a;
    },
  };
}

export { Rng };
