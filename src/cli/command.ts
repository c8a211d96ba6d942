/**
 * The shape every `drs` sub-command implements. `main.ts` holds the one map from name to command.
 *
 * Commands parse their own flags with `node:util` `parseArgs` (strict), write through `io`, and
 * return an exit code: 0 success, 1 a failed run or check, 2 a user error. They throw `UserError`
 * for bad input (main prints its one-line message and exits 2); anything else is a bug.
 */
export interface CliIo {
  /** Normal output (tables, JSON). */
  out(text: string): void;
  /** Diagnostics and progress, written as given (end lines with '\n'); never mixed into `--json` output. */
  err(text: string): void;
  /** True when stderr is a terminal, so a progress bar may redraw in place. */
  readonly interactive: boolean;
  /** Working directory used to resolve relative paths. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `drs --help`. */
  readonly summary: string;
  /** Full usage text for `drs <name> --help`. */
  readonly usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
