/**
 * A hard wall-clock limit for a solver that checks its own only at checkpoints. HiGHS honours
 * `time_limit` and its interrupt callbacks, but some phases of its root node do neither: under
 * `drs pack --time-limit 1` an arc-flow solve ran on for seconds. `threadSolver(backend)` is an
 * `LpSolver` that runs each solve on a worker thread (the backend module is imported there, so
 * packing still imports no backend) and terminates the thread when the solve's
 * `timeLimitSeconds`, plus `graceSeconds` for the answer to come back, has passed: the solve
 * then returns `no-solution` stopped by `wall`, the result of a solver stopped by its own limit
 * before it found a solution, and the exact strategy keeps its incumbent (ilp.ts).
 *
 * - The time limit counts from the call: starting a thread and loading the backend come out of it.
 * - A solve without a time limit is never stopped, and gives what the backend gives in the
 *   caller's thread (the same model, options and seed; no clock is read unless one is passed).
 * - A thread that dies (an uncaught error, a WASM abort, a failed import) answers its solve with
 *   `status: 'error'` and a message saying so, never a hang.
 * - Threads are reused: one idle thread is kept (after a terminated one, a replacement is started
 *   at once, so the next solve does not wait for it). Idle threads do not keep the process alive;
 *   `close()` ends them.
 * - `solveSync` cannot wait for a thread: it answers `status: 'error'` (no caller in packing uses it).
 */
import type { Worker } from 'node:worker_threads';
import type { BackendName, LpModel, LpSolver, SolveOptions, SolveResult, SolveWork } from '../core/lp.js';
import { startThread } from '../core/thread.js';

/** Where the thread finds its backend: an ES module (URL: see `moduleBeside` in core/thread.ts) and its export. */
export interface SolverModule {
  readonly name: BackendName;
  readonly url: string;
  /** The exported `LpSolver`, e.g. 'highsSolver'. */
  readonly exportName: string;
  /** An exported async function that loads the backend before the thread says it is ready, e.g. 'prepareHighs'. */
  readonly prepare?: string;
}

/** Messages to the thread: one solve (a time limit counts from now; `timed`: give the solve a clock). */
export interface ToThread {
  readonly id: number;
  readonly model: LpModel;
  readonly options: Omit<SolveOptions, 'clock'> & { readonly timed: boolean };
}

/** Messages from the thread. */
export type ToMain =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly id: number; readonly result: SolveResult }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };

export interface ThreadSolver extends LpSolver {
  /** Ends the idle threads; later solves start new ones. */
  close(): Promise<void>;
}

export interface ThreadSolverOptions {
  /** Seconds past the time limit before the thread is terminated (HiGHS's own stop and its answer's trip back); default 0.1. */
  readonly graceSeconds?: number;
}

const NO_WORK: SolveWork = { lpIterations: 0, nodes: 0 };
/** setTimeout takes at most 2^31 − 1 ms (longer delays fire at once); past it, no thread is terminated. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A thread's answer: to solve `id` (undefined when the thread died). */
type Answer = { readonly id: number; readonly result: SolveResult } | { readonly id?: number; readonly failure: string };

interface Thread {
  readonly worker: Worker;
  /** Settles when the thread is ready (undefined) or dead before that (why). */
  readonly ready: Promise<string | undefined>;
  /** Receives the answer to the solve in flight. */
  onAnswer: ((a: Answer) => void) | undefined;
  /** Set once the thread is dead: why. */
  failure: string | undefined;
}

export function threadSolver(backend: SolverModule, options: ThreadSolverOptions = {}): ThreadSolver {
  const grace = options.graceSeconds ?? 0.1;
  const idle: Thread[] = [];
  let nextId = 0;

  function spawn(): Thread {
    const worker = startThread(import.meta.url, 'solver-thread-entry', backend);
    let markReady: (failure?: string) => void = () => undefined;
    const t: Thread = { worker, ready: new Promise((r) => (markReady = r)), onAnswer: undefined, failure: undefined };
    const die = (why: string): void => {
      if (t.failure !== undefined) return;
      t.failure = why;
      const at = idle.indexOf(t);
      if (at >= 0) idle.splice(at, 1);
      markReady(why);
      t.onAnswer?.({ failure: why });
    };
    worker.on('message', (m: ToMain) => {
      if (m.kind === 'ready') markReady();
      else t.onAnswer?.(m.kind === 'result' ? { id: m.id, result: m.result } : { id: m.id, failure: `the solver thread failed: ${m.message}` });
    });
    worker.on('error', (e: unknown) => die(`the solver thread failed: ${e instanceof Error ? e.message : String(e)}`));
    worker.on('messageerror', (e: Error) => {
      die(`the solver thread's answer could not be read: ${e.message}`);
      void worker.terminate();
    });
    worker.on('exit', (code: number) => die(`the solver thread exited (code ${code}) without an answer`));
    // After the listeners: adding a 'message' listener refs the thread's port again.
    worker.unref();
    return t;
  }

  function solve(model: LpModel, opts: SolveOptions = {}): Promise<SolveResult> {
    const { clock, ...rest } = opts;
    const limit = rest.timeLimitSeconds;
    if (limit !== undefined && clock === undefined) throw new Error('solve: timeLimitSeconds needs SolveOptions.clock (the solvers read no wall clock of their own)');
    const t0 = clock?.() ?? 0;
    const elapsed = (): { seconds?: number } => (clock === undefined ? {} : { seconds: (clock() - t0) / 1000 });
    const wall = (): SolveResult => ({ backend: backend.name, status: 'no-solution', stoppedBy: 'wall', work: NO_WORK, ...elapsed() });
    const failed = (message: string): SolveResult => ({ backend: backend.name, status: 'error', stoppedBy: 'converged', work: NO_WORK, message, ...elapsed() });
    const thread = idle.pop() ?? spawn();
    thread.worker.ref();
    const id = nextId++;
    return new Promise<SolveResult>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      // `reuse`: the thread answered and can take the next solve; else it is (or is made) dead.
      const finish = (r: SolveResult, reuse: boolean): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        thread.onAnswer = undefined;
        if (reuse && thread.failure === undefined && idle.length === 0) {
          thread.worker.unref();
          idle.push(thread);
        } else {
          void thread.worker.terminate();
        }
        resolve(r);
      };
      const ms = limit === undefined ? Infinity : (limit + grace) * 1000;
      if (ms <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          finish(wall(), false);
          // The next solve need not wait for a thread to start and load its backend.
          if (idle.length === 0) idle.push(spawn());
        }, Math.max(0, ms));
      }
      thread.onAnswer = (a) => {
        if (a.id !== undefined && a.id !== id) finish(failed(`the solver thread answered solve ${a.id} instead of ${id}`), false);
        else if ('result' in a) finish(a.result, true);
        else finish(failed(a.failure), a.id !== undefined);
      };
      void thread.ready.then((failure) => {
        if (settled) return;
        if (failure !== undefined) return finish(failed(failure), false);
        // What is left of the limit now that the thread is up (the thread's own clock starts here).
        const left = limit === undefined || clock === undefined ? undefined : limit - (clock() - t0) / 1000;
        if (left !== undefined && left <= 0) return finish(wall(), true);
        const msg: ToThread = { id, model, options: { ...rest, ...(left === undefined ? {} : { timeLimitSeconds: left }), timed: clock !== undefined } };
        try {
          thread.worker.postMessage(msg);
        } catch (e) {
          finish(failed(`the model could not be sent to the solver thread: ${e instanceof Error ? e.message : String(e)}`), true);
        }
        return undefined;
      });
    });
  }

  return {
    name: backend.name,
    solve,
    solveSync: () => ({ backend: backend.name, status: 'error', stoppedBy: 'converged', work: NO_WORK, message: 'a solver thread cannot answer synchronously: use solve()' }),
    async close(): Promise<void> {
      const ending = idle.splice(0);
      await Promise.all(ending.map((t) => t.worker.terminate()));
    },
  };
}
