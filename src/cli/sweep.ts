import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { UserError } from '../core/errors.js';
import { toJson } from '../report/json.js';
import { sweepHtml } from '../report/sweep-html.js';
import { sweepTable } from '../report/sweep-table.js';
import { planSweep, runSweepLocal, sweepResult, sweepTraceNotes, type SweepProgress } from '../sweep/local.js';
import { PoolBrokenError } from '../sweep/pool.js';
import { DEFAULT_QUEUE, runSweepQueue } from '../sweep/queue.js';
import { loadSweep, resultsFolderName } from '../sweep/spec.js';
import { ResultStore } from '../sweep/store.js';
import { numberFlag, parseFlags, resolveDataRoot } from './args.js';
import { checkOutputFolders, saveOutput } from './output.js';
import type { CliCommand, CliIo } from './command.js';

const usage = `usage: drs sweep <sweep.yaml> [options]

Runs a scenario over strategies × seeds × axis values (see docs/sweeps.md) and prints, per cell,
the mean and 95 % confidence interval of the key metrics, and which strategy differences are
significant (paired by seed). Finished cells are kept in the results folder; running the same
sweep again resumes where it stopped.

options:
  --workers N          worker threads (default: the number of cores, ${os.availableParallelism()}; 0: run in this process)
  --queue URL          run on BullMQ workers instead (redis://HOST:PORT); start them with drs worker
  --name NAME          BullMQ queue name (default ${DEFAULT_QUEUE})
  --results DIR        results folder (default .drs-sweep/<sweep name>)
  --fresh              ignore results already in the folder (they are overwritten)
  --json FILE          write every metric's mean, CI and the pairwise tests as JSON
  --html FILE          write an HTML report (points with confidence intervals)
  --data-dir DIR       where real traces live (default: $DRS_DATA_DIR, else ../shared/data)
  --quiet              no progress output`;

/** Progress with ETA: a redrawn bar on a terminal, a line every 5 s otherwise. */
function progress(io: CliIo, quiet: boolean): { update: SweepProgress; stop(): void } {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (io.interactive) {
    const bar = new cliProgress.SingleBar({ format: 'cells [{bar}] {value}/{total} ({cached} from results) | {percentage}% | ETA {eta_formatted} | {duration_formatted}', stream: process.stderr, hideCursor: true, etaBuffer: 20 }, cliProgress.Presets.shades_classic);
    let started = false;
    // The bar hides the cursor: Ctrl-C (or SIGTERM) while it is drawn left the user's terminal
    // without one. The signal now stops the bar (the cursor back) and is raised again, so the
    // process still ends by it at once (finished cells are in the results folder).
    const stop = (): void => {
      if (!started) return;
      started = false;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      bar.stop();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      stop();
      process.kill(process.pid, signal);
    };
    return {
      update(done, total, cached) {
        if (!started) {
          bar.start(total, done, { cached });
          started = true;
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
        } else bar.update(done, { cached });
      },
      stop,
    };
  }
  const t0 = performance.now();
  let last = -Infinity;
  let first: { done: number; at: number } | undefined;
  return {
    update(done, total, cached) {
      const now = performance.now();
      first ??= { done, at: now };
      if (now - last < 5000 && done < total) return;
      last = now;
      const rate = (done - first.done) / Math.max(1e-9, now - first.at);
      const eta = rate > 0 ? `, ETA ${((total - done) / rate / 1000).toFixed(0)} s` : '';
      io.err(`cells ${done}/${total} (${cached} from results)${eta}, ${((now - t0) / 1000).toFixed(0)} s\n`);
    },
    stop: () => undefined,
  };
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  summary: 'run a scenario over strategies × seeds × parameters; means, CIs, significance',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        workers: { type: 'string' },
        queue: { type: 'string' },
        name: { type: 'string' },
        results: { type: 'string' },
        fresh: { type: 'boolean' },
        json: { type: 'string' },
        html: { type: 'string' },
        'data-dir': { type: 'string' },
        quiet: { type: 'boolean' },
      },
      usage,
    );
    if (positionals.length !== 1) throw new UserError(`expected one sweep file, got ${positionals.length}\n${usage}`);
    if (values.queue !== undefined && values.workers !== undefined) throw new UserError('--workers sets the local worker threads; with --queue the cells run on drs worker processes (drs worker --queue URL --concurrency N)');
    const workers = numberFlag(values.workers, 'workers', { integer: true, min: 0 }) ?? os.availableParallelism();
    const dataRoot = resolveDataRoot(values['data-dir'], io.env, io.cwd);
    const spec = await loadSweep(path.resolve(io.cwd, positionals[0] as string));
    const resultsDir = path.resolve(io.cwd, values.results ?? path.join('.drs-sweep', resultsFolderName(spec)));
    const plan = await planSweep(spec, dataRoot);
    // Before anything runs: an output naming the sweep, its scenario or a file a cell reads (its trace) would destroy it.
    checkOutputFolders(io, { json: values.json, html: values.html }, [spec.file, spec.scenarioFile, ...plan.inputFiles]);
    for (const w of spec.warnings) io.err(`drs sweep: warning: ${w}\n`);
    const store = new ResultStore(resultsDir, { reuse: values.fresh !== true });
    const bar = progress(io, values.quiet === true);
    let results;
    let broken: PoolBrokenError | undefined;
    try {
      results =
        values.queue !== undefined
          ? await runSweepQueue(plan, { url: values.queue, ...(values.name !== undefined ? { name: values.name } : {}), store, onProgress: bar.update, fresh: values.fresh === true, onNoWorker: (m) => io.err(`drs sweep: ${m}\n`) })
          : await runSweepLocal(plan, { workers, dataRoot, store, onProgress: bar.update });
    } catch (e) {
      // Not bad input (exit 2) but no bug to trace either: a build or machine whose threads die.
      if (!(e instanceof PoolBrokenError)) throw e;
      broken = e;
    } finally {
      bar.stop();
    }
    if (broken !== undefined || results === undefined) {
      io.err(`drs sweep: ${broken?.message ?? 'no results'}; the cells that finished are kept in ${resultsDir}: run the sweep again to go on from them\n`);
      return 1;
    }
    const res = sweepResult(plan, results);
    io.out(sweepTable(res));
    for (const note of sweepTraceNotes(plan, results)) io.err(`drs sweep: note: ${note}\n`);
    await saveOutput(io, 'json', values.json, () => toJson(res));
    await saveOutput(io, 'html', values.html, () => sweepHtml(res));
    return res.failures.length > 0 ? 1 : 0;
  },
};
