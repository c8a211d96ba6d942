import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
import path from 'node:path';
import { UserError } from '../core/errors.js';

/** Strict flag parsing: an unknown flag or a missing value is a UserError naming it. */
export function parseFlags<T extends Options>(argv: string[], options: T, usage: string): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${usage}`);
  }
}

/** A flag that must be a number in a range; names the flag in the error. */
export function numberFlag(value: string | undefined, flag: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (opts.integer === true && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UserError(`--${flag} expects ${opts.integer === true ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, got '${value}'`);
  }
  return n;
}

/**
 * The data root for real traces: `--data-dir`, else $DRS_DATA_DIR, else ../shared/data (relative
 * to the working directory). Scenarios name trace files relative to it.
 */
export function resolveDataRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return path.resolve(cwd, flag ?? env.DRS_DATA_DIR ?? '../shared/data');
}
