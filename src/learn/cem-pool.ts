import type { Worker } from 'node:worker_threads';
import { PolicyNet, type DenseLayer } from '../core/policy-net.js';
import { startThread } from '../core/thread.js';
import type { QueueTrainConfig } from './config.js';
import { QueueEnv } from './env.js';
import { unflatten } from './weights.js';
import type { BatchWorkload } from './sim-adapter.js';
import { netFile } from './train-queue.js';

/**
 * Plays a CEM generation's population on its episodes, on `threads` worker threads or in this
 * thread. Every (weights, episode) play is independent and deterministic (the environment is
 * reset per episode), so the bounded slowdowns, and so the training, are the same bit for bit
 * whatever the thread count (tested); only the wall clock changes. The population is split into
 * contiguous chunks, one per thread; the scores are combined by the caller in population order.
 */
export interface CemEpisode {
  /** Index of the log (0: the own log, then the `also` logs). */
  readonly log: number;
  readonly start: number;
  readonly mode: 'none' | 'easy';
}

/** What a player needs, sent once to each thread (structured clone). */
export interface CemPlayerInit {
  readonly cfg: QueueTrainConfig;
  readonly logs: readonly { readonly jobs: BatchWorkload['jobs']; readonly machine: number }[];
  readonly scaling: { mean: number[]; std: number[] };
  readonly shape: readonly DenseLayer[];
}

/** The in-thread player: bsld[i][k] of weight vector i on episode k. */
export class CemPlayer {
  private readonly envs = new Map<string, QueueEnv>();

  constructor(private readonly init: CemPlayerInit) {}

  async play(thetas: readonly (readonly number[])[], episodes: readonly CemEpisode[]): Promise<number[][]> {
    const { cfg, scaling, shape } = this.init;
    const out: number[][] = [];
    for (const theta of thetas) {
      const net = new PolicyNet(netFile(cfg, scaling, unflatten(theta, shape)));
      const row: number[] = [];
      for (const e of episodes) {
        const env = this.env(e.log, e.mode);
        env.reset(cfg.seed, e.start);
        row.push((await env.run(net)).boundedSlowdown);
      }
      out.push(row);
    }
    return out;
  }

  private env(log: number, mode: 'none' | 'easy'): QueueEnv {
    const key = `${log}:${mode}`;
    let env = this.envs.get(key);
    if (env === undefined) {
      const l = this.init.logs[log];
      if (l === undefined) throw new Error(`cem: no log ${log}`);
      env = new QueueEnv({ jobs: l.jobs, machine: l.machine, length: this.init.cfg.episodeLength, backfill: mode });
      this.envs.set(key, env);
    }
    return env;
  }
}

/**
 * `threads` ≤ 1: plays here. Otherwise one worker thread per chunk; call `close()` at the end.
 * A thread that stops (an error, or an exit that `close()` did not ask for), whether a request is
 * pending or not, fails the pending requests and every later `play()` with a plain message naming
 * the thread, instead of an unhandled worker error or a promise that never settles.
 */
export class CemPool {
  private readonly local: CemPlayer | undefined;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: number[][]) => void; reject: (e: Error) => void }>();
  private next = 0;
  private closing = false;
  private failure: Error | undefined;

  constructor(init: CemPlayerInit, threads: number) {
    if (threads <= 1) this.local = new CemPlayer(init);
    else {
      for (let t = 0; t < threads; t++) {
        const w = startThread(import.meta.url, 'cem-thread', init);
        w.on('message', (msg: { id: number; result?: number[][]; error?: string }) => this.answer(msg));
        w.on('error', (e: Error) => this.fail(t, e.message));
        w.on('exit', (code: number) => {
          if (!this.closing) this.fail(t, `exited with code ${code}`);
        });
        this.workers.push(w);
      }
    }
  }

  async play(thetas: readonly (readonly number[])[], episodes: readonly CemEpisode[]): Promise<number[][]> {
    if (this.local !== undefined) return this.local.play(thetas, episodes);
    const n = this.workers.length;
    const size = Math.ceil(thetas.length / n);
    const parts = this.workers.map((w, t) => this.ask(w, thetas.slice(t * size, (t + 1) * size), episodes));
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(thread: number, reason: string): void {
    this.failure ??= new Error(`CEM worker thread ${thread + 1} of ${this.workers.length} stopped (${reason}); the last checkpoint is kept: rerun with --resume`);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private answer(msg: { id: number; result?: number[][]; error?: string }): void {
    const p = this.pending.get(msg.id);
    if (p === undefined) return;
    this.pending.delete(msg.id);
    if (msg.result !== undefined) p.resolve(msg.result);
    else p.reject(new Error(`cem thread: ${msg.error ?? 'no result'}`));
  }

  private ask(w: Worker, thetas: readonly (readonly number[])[], episodes: readonly CemEpisode[]): Promise<number[][]> {
    if (thetas.length === 0) return Promise.resolve([]);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, thetas, episodes });
    });
  }
}
