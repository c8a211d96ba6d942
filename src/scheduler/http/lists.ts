import { z } from 'zod';
import { HttpError, parseBody } from './errors.js';

/**
 * Pagination of list endpoints: `?limit=N&cursor=C`. Items are in a stable order (by id, or by
 * position in a log); the cursor is the opaque key of the last item returned, and the next page
 * starts after it, so pages stay correct while items come and go. `nextCursor` is null on the
 * last page. The logs (audit, preemptions) also give `resumeCursor` on every page, empty ones
 * included: the cursor that returns only records newer than this page, so a client following a
 * growing log resumes from its end without building a cursor (see `resumeCursor`).
 */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export function listQuery<S extends readonly [string, ...string[]]>(pageSize: number, states: S) {
  return z
    .object({
      limit: z.coerce.number().int().min(1).max(pageSize).optional(),
      cursor: z.string().max(1000).optional(),
      tenant: z.string().min(1).max(200).optional(),
      pool: z.string().min(1).max(100).optional(),
      state: z.enum(states).optional(),
      actor: z.string().min(1).max(300).optional(),
    })
    .strict();
}

export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  return parseBody(schema, query);
}

export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid-body', 'cursor: not a cursor this service returned', 'cursor');
}

/** One page of `items` (sorted by `key`, ascending) after `cursor`. */
export function paginate<T>(items: readonly T[], key: (t: T) => string | number, cursor: string | undefined, limit: number): Page<T> {
  const after = decodeCursor(cursor);
  let start = 0;
  if (after !== undefined) {
    // Binary search for the first key > after.
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key(items[mid] as T) <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = items.slice(start, start + limit);
  const last = page[page.length - 1];
  return { items: page, nextCursor: start + limit < items.length && last !== undefined ? encodeCursor(key(last)) : null };
}

/**
 * `resumeCursor` of a log page: the key of its last item; on an empty page the position the page
 * started after (the request's cursor, or `start`, a key before every record, without one).
 */
export function resumeCursor(lastKey: string | number | undefined, after: string | number | undefined, start: number): string {
  return encodeCursor(lastKey ?? after ?? start);
}
