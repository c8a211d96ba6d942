import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../core/errors.js';
import { runCell, type CellSpec } from './cell.js';

/**
 * Worker-thread entry of the sweep pool: runs the cells it is sent, one at a time, and posts each
 * result back. Bad input comes back as a user error (its class, detail and location); a bug keeps its stack beside
 * its message (the pool rebuilds the error with both, so its message reads as in-process).
 */
const { dataRoot } = workerData as { dataRoot: string };
const port = parentPort;
if (port === null) throw new Error('src/sweep/thread is a worker-thread entry; it must not be imported');
port.on('message', (msg: { id: number; cell: CellSpec }) => {
  runCell(msg.cell, dataRoot).then(
    (result) => port.postMessage({ id: msg.id, result }),
    (e: unknown) =>
      port.postMessage({
        id: msg.id,
        error: e instanceof Error ? e.message : String(e),
        ...(e instanceof Error && !isUserError(e) && e.stack !== undefined ? { stack: e.stack } : {}),
        // Bad input keeps its class, detail and location: the message names the scenario's line.
        ...(isUserError(e) ? { user: true, kind: e.name, detail: e.detail, location: e.location } : { user: false }),
      }),
  );
});
