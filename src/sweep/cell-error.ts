import { ConfigError, InputMissingError, TraceFormatError, UserError, type ErrorLocation } from '../core/errors.js';
import type { CellSpec } from './cell.js';

/**
 * A user error of class `kind` (its `name`) with `detail` at `location`: how the pool rebuilds
 * one a worker thread posted, keeping the class and location (the CLI adds a ConfigError's
 * scenario line only when it has its file and field).
 */
export function userErrorOf(kind: string | undefined, detail: string, location: ErrorLocation = {}): UserError {
  if (kind === 'ConfigError') return new ConfigError(detail, location);
  if (kind === 'InputMissingError') return new InputMissingError(detail, location);
  if (kind === 'TraceFormatError') return new TraceFormatError(detail, location);
  return new UserError(detail, location);
}

/**
 * Bad input one cell met (a seed's draw past a bound, say) as the same error with the cell
 * named first: its seed, strategy and axis values. The scenario's field alone does not say
 * which of the sweep's seeds to look at.
 */
export function cellUserError(e: UserError, cell: Pick<CellSpec, 'seed' | 'strategy' | 'point'>): UserError {
  const at = Object.entries(cell.point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return userErrorOf(e.name, `seed ${cell.seed}, strategy ${cell.strategy}${at === '' ? '' : `, at ${at}`}: ${e.detail}`, e.location);
}
