import { parentPort, workerData } from 'node:worker_threads';
import type { LpModel, LpSolver, SolveOptions } from '../core/lp.js';
import type { SolverModule, ToMain, ToThread } from './solver-thread.js';

/**
 * Worker-thread entry of `threadSolver` (solver-thread.ts): imports the solver module it is
 * given, prepares the backend (loads HiGHS), says it is ready, then solves the models it is sent,
 * one at a time, and posts each result back. A solve with a time limit or a clock gets this
 * thread's clock (`SolveOptions.clock` cannot cross threads); one with neither reads none, as in
 * the caller's thread. A thrown error comes back as a message; anything that kills the thread
 * (an uncaught error, a failed import) is the caller's 'error'/'exit' event.
 */
const port = parentPort;
if (port === null) throw new Error('src/packing/solver-thread-entry is a worker-thread entry; it must not be imported');
const spec = workerData as SolverModule;
const mod = (await import(spec.url)) as Record<string, unknown>;
const solver = mod[spec.exportName] as LpSolver | undefined;
if (typeof solver?.solve !== 'function') throw new Error(`${spec.url} has no LP solver named '${spec.exportName}'`);
if (spec.prepare !== undefined) {
  const prepare = mod[spec.prepare];
  if (typeof prepare !== 'function') throw new Error(`${spec.url} has no function named '${spec.prepare}'`);
  await (prepare as () => Promise<void>)();
}
const clock = (): number => performance.now();
port.on('message', (msg: ToThread) => {
  const { timed, ...options } = msg.options;
  const opts: SolveOptions = timed ? { ...options, clock } : options;
  solver.solve(msg.model as LpModel, opts).then(
    (result) => port.postMessage({ kind: 'result', id: msg.id, result } satisfies ToMain),
    (e: unknown) => port.postMessage({ kind: 'failed', id: msg.id, message: e instanceof Error ? e.message : String(e) } satisfies ToMain),
  );
});
port.postMessage({ kind: 'ready' } satisfies ToMain);
