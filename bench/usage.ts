import { existsSync } from 'node:fs';
import path from 'node:path';
import { isUserError } from '../src/core/errors.js';

/**
 * User mistakes on a bench script's command line, handled the way the drs CLI handles them: one
 * plain line on stderr and exit code 2, never a stack trace. Importing this module installs the
 * handler, so a script only has to import it (or `die`, `intArg`, `numberArg` from it) before it
 * reads its arguments. A mistake is a `UserError` from src/ (a missing trace, a bad config field:
 * these already name the file and field), a `UsageError` thrown by a script, a bad option from
 * node:util `parseArgs`, or a file named on the command line that is not there. Anything else is
 * a bug in DRS and keeps its stack (exit 1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Print one line and exit 2 (for a script's own checks). */
export function die(message: string): never {
  console.error(message);
  process.exit(2);
}

/** A whole-number command-line argument (at least `min`), or a plain error naming it. */
export function intArg(name: string, value: string, min = -Infinity): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) die(`${name} must be a whole number, got '${value}'`);
  if (n < min) die(`${name} must be at least ${min}, got ${value}`);
  return n;
}

/** A numeric command-line argument (at least `min`), or a plain error naming it. */
export function numberArg(name: string, value: string, min = -Infinity): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) die(`${name} must be a number, got '${value}'`);
  if (n < min) die(`${name} must be at least ${min}, got ${value}`);
  return n;
}

/**
 * The data root of the bench scripts, as for the drs CLI: DRS_DATA_DIR, else ../shared/data from
 * the working directory (the project root, where the docs run the scripts).
 */
export function dataRoot(): string {
  return path.resolve(process.env.DRS_DATA_DIR ?? '../shared/data');
}

/** A file under the data root, or exit 2 naming it and how the data root is chosen. */
export function dataFile(rel: string): string {
  const root = dataRoot();
  const file = path.join(root, rel);
  if (!existsSync(file)) {
    const where = process.env.DRS_DATA_DIR === undefined ? '../shared/data from the working directory; set DRS_DATA_DIR to use another folder' : 'from DRS_DATA_DIR';
    die(`${file} not found (data root ${root}: ${where})`);
  }
  return file;
}

/** The one-line message for a user mistake, or undefined for a bug. */
export function userMessage(e: unknown): string | undefined {
  if (isUserError(e) || e instanceof UsageError) return e.message;
  const err = e as NodeJS.ErrnoException | undefined;
  if (typeof err?.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) return err.message;
  if (err?.code === 'ENOENT' && typeof err.path === 'string') return `${err.path}: no such file or folder`;
  if (err?.code === 'EISDIR' && typeof err.path === 'string') return `${err.path}: is a folder, a file was expected`;
  return undefined;
}

const script = process.argv[1] === undefined ? 'bench' : path.relative(path.resolve(import.meta.dirname, '..'), process.argv[1]);
process.on('uncaughtException', (e) => {
  const message = userMessage(e);
  if (message === undefined) {
    console.error(e);
    process.exit(1);
  }
  console.error(`${script}: ${message}`);
  process.exit(2);
});
