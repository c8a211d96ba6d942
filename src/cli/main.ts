import { isUserError } from '../core/errors.js';
import { withYamlLine } from '../core/yaml-line.js';
import type { CliCommand, CliIo } from './command.js';

/**
 * The `drs` command: one map from sub-command name to a lazy loader, so `drs run` does not pay
 * for loading TensorFlow.js or the HTTP server.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  run: { summary: 'run every strategy of a scenario on the same trace and seed; print a comparison', load: async () => (await import('./run.js')).runCommand },
  validate: { summary: 'check a scenario file without running it', load: async () => (await import('./validate.js')).validateCommand },
  train: { summary: 'train a learned queue policy (CEM or PPO) or allocator (PPO) and write its model file', load: async () => (await import('./train.js')).trainCommand },
  'replay-swf': { summary: 'evaluate a queue policy on an SWF log under the RLScheduler protocol', load: async () => (await import('./replay-swf.js')).replaySwfCommand },
  'generate-swf': { summary: 'draw a synthetic SWF job log from the Lublin–Feitelson workload model', load: async () => (await import('./generate-swf.js')).generateSwfCommand },
  'replay-openb': { summary: "the FGD paper's GPU-sharing experiment on the Alibaba openb traces", load: async () => (await import('./replay-openb.js')).replayOpenbCommand },
  pack: { summary: 'offline bin packing: FFD, BFD, GA and exact ILP against the lower bound', load: async () => (await import('./pack.js')).packCommand },
  forecast: { summary: 'backtest demand forecasters on a time series (MAE, RMSE, sMAPE, MASE)', load: async () => (await import('./forecast.js')).forecastCommand },
  serve: { summary: 'run the production scheduler as an HTTP service', load: async () => (await import('./serve.js')).serveCommand },
  'serve-config': { summary: "write the drs serve config that runs one row of a scenario's comparison in production", load: async () => (await import('./serve-config.js')).serveConfigCommand },
  list: { summary: 'list strategies, queue policies, scaling policies and trace kinds', load: async () => (await import('./list.js')).listCommand },
  sweep: { summary: 'run a scenario over strategies × seeds × parameters: means, 95% CIs, paired significance', load: async () => (await import('./sweep.js')).sweepCommand },
  worker: { summary: 'run sweep cells from a Redis (BullMQ) queue (drs sweep --queue)', load: async () => (await import('./worker.js')).workerCommand },
};

/** Commands contributed by other modules, registered here once they exist. */
export function registerCommand(name: string, summary: string, load: () => Promise<CliCommand>): void {
  COMMANDS[name] = { summary, load };
}

function help(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  return [
    'drs: Dynamic Resource Scheduling toolkit',
    '',
    'usage: drs <command> [options]   (drs <command> --help for its options)',
    '',
    ...names.map((n) => `  ${n.padEnd(w)}  ${(COMMANDS[n] as { summary: string }).summary}`),
  ].join('\n');
}

/**
 * What to do when standard output fails: a reader that went away (`drs list | head -1`: EPIPE)
 * is not an error: nothing more is printed, and the command finishes what it writes to files
 * (`drs run x.yaml --json out.json | head`: an exit at the broken pipe left out.json empty or
 * truncated, with exit code 0) and exits with its own code. Anything else (a full disk: ENOSPC)
 * is one line on stderr and exit 1. Never Node's unhandled 'error' stack trace.
 */
export function stdoutFailure(e: NodeJS.ErrnoException): { readonly code: number; readonly message?: string } {
  if (e.code === 'EPIPE') return { code: 0 };
  return { code: 1, message: `drs: cannot write to standard output: ${e.code ?? e.message}${e.code === 'ENOSPC' ? ' (no space left on the device)' : ''}\n` };
}

let stdoutGuarded = false;
/** The reader of standard output went away (EPIPE): later output is dropped, the command goes on. */
let stdoutGone = false;
/**
 * Standard error failed, its reader gone too (`drs run x.yaml --json out.json 2>&1 | head`): there
 * is nowhere to say anything, so messages are dropped and the command goes on. Unhandled, the
 * error was a stack trace nobody saw and exit 1, before the files still to be written.
 */
let stderrGone = false;

export function processIo(): CliIo {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      const f = stdoutFailure(e);
      if (f.message === undefined) {
        stdoutGone = true;
        return;
      }
      if (!stderrGone) process.stderr.write(f.message);
      process.exit(f.code);
    });
    process.stderr.on('error', () => {
      stderrGone = true;
    });
  }
  return {
    out: (s) => {
      if (!stdoutGone) process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
    },
    err: (s) => {
      if (!stderrGone) process.stderr.write(s);
    },
    interactive: process.stderr.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Run the CLI; returns the exit code (0 ok, 1 failed run, 2 user error). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out('drs 0.1.0');
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.err(`drs: unknown command '${name}' (known: ${Object.keys(COMMANDS).join(', ')}); see drs --help\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (isUserError(e)) {
      io.err(`drs ${name}: ${(withYamlLine(e) as Error).message}\n`);
      return 2;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`drs ${name}: ${e.message}\n${cmd.usage}\n`);
      return 2;
    }
    throw e;
  }
}
