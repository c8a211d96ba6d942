import os from 'node:os';
import { UserError } from '../core/errors.js';
import { DEFAULT_QUEUE, shownUrl, startQueueWorker } from '../sweep/queue.js';
import { numberFlag, parseFlags, resolveDataRoot } from './args.js';
import type { CliCommand } from './command.js';

const usage = `usage: drs worker --queue redis://HOST:PORT [options]

Runs sweep cells from a BullMQ queue (submitted by drs sweep --queue) until stopped (Ctrl-C).
Start as many as you like, on any machine that sees the Redis server and the data.

options:
  --queue URL          the Redis server (required)
  --name NAME          BullMQ queue name (default ${DEFAULT_QUEUE})
  --concurrency N      cells at once, one thread each (default 1; cores here: ${os.availableParallelism()})
  --id NAME            this worker's name, recorded on the jobs it runs (default host:pid)
  --lock-ms MS         job lock: a worker silent this long is presumed dead and its cell retried (default 30000)
  --data-dir DIR       where real traces live (default: $DRS_DATA_DIR, else ../shared/data)
  --quiet              do not print a line per finished cell`;

/** What becomes of a cell whose attempt failed on this worker, in its line. */
const FAILED = { 'bad input': 'not retried (bad input)', retried: 'to be retried (its job has another attempt)', 'last attempt': 'not retried (its last attempt)' } as const;

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'run sweep cells from a Redis (BullMQ) queue',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      { queue: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' }, concurrency: { type: 'string' }, 'lock-ms': { type: 'string' }, 'data-dir': { type: 'string' }, quiet: { type: 'boolean' } },
      usage,
    );
    if (positionals.length > 0) throw new UserError(`unexpected argument '${positionals[0]}'\n${usage}`);
    if (values.queue === undefined) throw new UserError(`--queue redis://HOST:PORT is required\n${usage}`);
    const lockMs = numberFlag(values['lock-ms'], 'lock-ms', { integer: true, min: 1000 });
    const url = values.queue;
    let lastError = '';
    let refused: string | undefined;
    let broken: string | undefined;
    let stopNow = (): void => undefined;
    const worker = await startQueueWorker({
      url,
      dataRoot: resolveDataRoot(values['data-dir'], io.env, io.cwd),
      ...(values.name !== undefined ? { name: values.name } : {}),
      concurrency: numberFlag(values.concurrency, 'concurrency', { integer: true, min: 1 }) ?? 1,
      ...(lockMs !== undefined ? { lockMs } : {}),
      ...(values.id !== undefined ? { id: values.id } : {}),
      ...(values.quiet === true
        ? {}
        : {
            onCell: (c, r) => io.err(`cell ${c.hash.slice(0, 12)} ${c.strategy} seed ${c.seed}: ${r.state}\n`),
            // A failed attempt is a finished cell too: said with its reason, not left to the submitter's table.
            onCellFailed: (c, why, outcome) => io.err(`cell ${c.hash.slice(0, 12)} ${c.strategy} seed ${c.seed}: failed, ${FAILED[outcome]}: ${why}\n`),
          }),
      // The worker put the cell back and takes no more: say why (even with --quiet) and exit 2.
      onRefused: (c, why) => {
        if (refused !== undefined) return;
        refused = `cell ${c.hash.slice(0, 12)} ${c.strategy} seed ${c.seed}: ${why}; the cell is back in the queue, and this worker stops`;
        stopNow();
      },
      // Its threads keep dying (a broken build or machine): the same, exit 1 (not bad input).
      onBroken: (_c, why) => {
        if (broken !== undefined) return;
        broken = `${why}; the cell is back in the queue, and this worker stops`;
        stopNow();
      },
      // While Redis is away ioredis reconnects and reports each failed attempt: print a message once.
      onError: (e) => {
        if (e.message !== lastError) io.err(`worker: Redis ${shownUrl(url)}: ${e.message}\n`);
        lastError = e.message;
      },
    });
    io.err(`worker on ${shownUrl(values.queue)} queue ${values.name ?? DEFAULT_QUEUE}; Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      };
      // The close waits for the running cells, maybe minutes: said, with the way out (the
      // handlers are off, so a second Ctrl-C ends the process; the cells' jobs then stall and
      // run elsewhere).
      // The handlers come off before the line is written: a Ctrl-C sent on seeing the line (before
      // the process got to `stop`) was caught by this handler again and the worker waited on.
      // With Redis unreachable the close does not wait (nothing could be reported): said so, with
      // what becomes of the running cells (it said it waited for them, then stopped at once).
      const onSignal = (): void => {
        const n = worker.running();
        const up = worker.reachable();
        stop();
        if (!up) {
          const cells = n === 0 ? '' : ` without the ${n === 1 ? 'running cell; it runs' : `${n} running cells; they run`} again on a worker once Redis is back (after ${n === 1 ? 'its' : 'their'} ${(lockMs ?? 30_000) / 1000} s lock, --lock-ms)`;
          io.err(`worker: Redis ${shownUrl(url)} is unreachable: stopping now${cells}\n`);
        } else if (n > 0) io.err(`worker: stopping once the ${n === 1 ? 'running cell finishes' : `${n} running cells finish`}; Ctrl-C again to stop now (${n === 1 ? 'the cell then runs' : 'they then run'} again on another worker)\n`);
      };
      stopNow = stop;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      if (refused !== undefined || broken !== undefined) stop();
    });
    await worker.close();
    if (refused !== undefined) throw new UserError(refused);
    if (broken !== undefined) {
      io.err(`drs worker: ${broken}\n`);
      return 1;
    }
    return 0;
  },
};
