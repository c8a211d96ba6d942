/**
 * Errors. Two kinds, kept apart on purpose:
 *
 * - `UserError`: the user gave us something wrong (a file, a field, a flag). The CLI prints its
 *   one-line message and exits with code 2, never a stack trace. Always say *where* (file, line,
 *   field path) and *what was expected*.
 * - Everything else is a bug in DRS or in a strategy and keeps its stack. `InvalidDecisionError`
 *   and `CapacityError` are such bugs: an allocator returned something the driver refused.
 */

export interface ErrorLocation {
  /** File the bad input came from. */
  file?: string;
  /** 1-based line number inside `file`. */
  line?: number;
  /** Field name or dotted path (`pools[1].capacity.gpu`). */
  field?: string;
}

export class UserError extends Error {
  override readonly name: string = 'UserError';
  readonly location: ErrorLocation;
  /** The message without its location (`message` is "file:line, field 'x': " + this). */
  readonly detail: string;

  constructor(message: string, location: ErrorLocation = {}) {
    super(formatLocated(message, location));
    this.location = location;
    this.detail = message;
  }
}

/** A trace or data file has a bad record. */
export class TraceFormatError extends UserError {
  override readonly name = 'TraceFormatError';
}

/** A scenario or config file failed validation. */
export class ConfigError extends UserError {
  override readonly name: string = 'ConfigError';
}

/**
 * A file the input names is not there (a trace or fleet file): a config error where it is read; a
 * sweep worker that meets it puts the cell back for a worker that has the file, instead of failing it.
 */
export class InputMissingError extends ConfigError {
  override readonly name: string = 'InputMissingError';
}

/** A change to cluster state would over-allocate a node or touch a missing allocation: a bug. */
export class CapacityError extends Error {
  override readonly name = 'CapacityError';
}

/** An allocator returned a decision the driver could not apply: a bug in that allocator. */
export class InvalidDecisionError extends Error {
  override readonly name = 'InvalidDecisionError';
  constructor(
    readonly allocator: string,
    message: string,
    readonly simTime?: number,
  ) {
    super(`allocator '${allocator}' returned an invalid decision${simTime === undefined ? '' : ` at t=${simTime}s`}: ${message}`);
  }
}

export function formatLocated(message: string, loc: ErrorLocation): string {
  const where: string[] = [];
  if (loc.file !== undefined) where.push(loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`);
  if (loc.field !== undefined) where.push(`field '${loc.field}'`);
  return where.length > 0 ? `${where.join(', ')}: ${message}` : message;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
