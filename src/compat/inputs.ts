/** Readers of the compat API's inputs: ISO times with their UTC offset, and zod-checked values as UserErrors. */
import type { z } from 'zod';
import { UserError } from '../core/errors.js';
import { formatPath, issuePath, plainMessage } from '../core/plain-issue.js';
import { readDateTime } from '../core/timestamp.js';

/**
 * Epoch ms of an ISO 8601 time that carries its UTC offset (`Z`, `+05:30`). One without an offset
 * is refused: Date.parse reads it in the host's time zone, so the same call would name another
 * instant on another machine (an hour off in New York and in Kolkata from one in UTC).
 */
export function zonedIsoMs(text: string, field: string): number {
  const t = readDateTime(text);
  if (typeof t === 'object') throw new UserError(`${field} ${JSON.stringify(text)}: ${t.error}`, { field });
  if (t === undefined || !ZONED.test(text.trim())) {
    throw new UserError(`${field} ${JSON.stringify(text)}: expected an ISO 8601 time with its UTC offset, such as 2026-06-01T08:00:00Z or 2026-06-01T10:00:00+02:00 (without one, the host's time zone would decide the instant)`, { field });
  }
  return Math.round(t * 1000);
}

/** A date, a time, then `Z` or ±HH[[:]MM]. */
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$/i;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const iss = r.error.issues[0] as z.core.$ZodIssue;
  throw new UserError(plainMessage(iss), { field: formatPath(issuePath(iss), what) });
}
