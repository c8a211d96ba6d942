/**
 * TensorFlow.js runtime selection, loaded lazily (importing src/predict never loads TF).
 *
 * Order: `DRS_TF_BACKEND` (node | wasm | cpu) when set, else `@tensorflow/tfjs-node` when it can
 * be imported (an OPTIONAL dependency: its install needs a native download, so it is usually
 * absent and that is fine), else the WASM backend with its .wasm binaries read from
 * node_modules/@tensorflow/tfjs-backend-wasm/dist, else the pure-JS CPU backend. In Node the WASM
 * backend runs single-threaded, so results are deterministic for a given seed.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;
export type TfBackend = 'node' | 'wasm' | 'cpu';

export interface TfRuntime {
  tf: Tf;
  backend: TfBackend;
}

let runtime: Promise<TfRuntime> | undefined;

async function tryNode(): Promise<TfRuntime | undefined> {
  const spec = '@tensorflow/tfjs-node';
  try {
    const tf = (await import(spec)) as Tf;
    return { tf, backend: 'node' };
  } catch {
    return undefined;
  }
}

/** The process events whose handlers the WASM module's Emscripten glue adds when it starts. */
const HOST_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Run `start` (which instantiates the WASM module), then take off the `uncaughtException` and
 * `unhandledRejection` handlers it added. Emscripten's Node glue installs them for its own exit
 * status; they rethrow from inside the handler, so any later uncaught error of the host program
 * (ours, or the service a library user embeds us in) exited with code 7 and a dump of the minified
 * glue instead of Node's code 1 and the error. Nothing in the backend needs them.
 */
async function keepingHostHandlers<T>(start: () => Promise<T>): Promise<T> {
  const listeners = (e: (typeof HOST_EVENTS)[number]): ((...args: unknown[]) => void)[] => process.listeners(e as 'uncaughtException') as ((...args: unknown[]) => void)[];
  const before = new Map(HOST_EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await start();
  } finally {
    for (const e of HOST_EVENTS) {
      const had = before.get(e) as Set<unknown>;
      for (const l of listeners(e)) if (!had.has(l)) process.removeListener(e, l);
    }
  }
}

async function useWasm(tf: Tf): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dir + path.sep);
  try {
    return await keepingHostHandlers(async () => {
      const ok = await tf.setBackend('wasm');
      if (ok) await tf.ready();
      return ok;
    });
  } catch {
    return false;
  }
}

async function load(prefer: string | undefined): Promise<TfRuntime> {
  if (prefer !== undefined && !['node', 'wasm', 'cpu'].includes(prefer)) {
    throw new UserError(`DRS_TF_BACKEND must be node, wasm or cpu, got '${prefer}'`, { field: 'DRS_TF_BACKEND' });
  }
  if (prefer === undefined || prefer === 'node') {
    const node = await tryNode();
    if (node !== undefined) return node;
    if (prefer === 'node') throw new UserError('DRS_TF_BACKEND=node but @tensorflow/tfjs-node is not installed (it is optional); unset it to use the WASM backend');
  }
  const tf = await import('@tensorflow/tfjs');
  if (prefer !== 'cpu' && (await useWasm(tf))) {
    await tf.ready();
    return { tf, backend: 'wasm' };
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}

/** The process-wide TF runtime (first call picks the backend). */
export function loadTf(prefer: string | undefined = process.env.DRS_TF_BACKEND): Promise<TfRuntime> {
  runtime ??= load(prefer === '' ? undefined : prefer);
  return runtime;
}
