import type { z } from 'zod';
import { UserError } from './errors.js';
import { deepestIssue, firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from './plain-issue.js';

/**
 * A registry entry's options (strategy, queue policy, scaling policy) through the entry's zod
 * schema: the parsed options, or a UserError naming the field under `base`
 * (`strategy.options.bogus`, `queue.options.backfill`) in plain words, never a ZodError dump.
 * Scenario files and serve configs check the same schemas first, with their file and line.
 */
export function parseRegistryOptions<S extends z.ZodType>(schema: S, options: unknown, base: string): z.output<S> {
  const r = schema.safeParse(options, KEY_HINTS);
  if (r.success) return r.data;
  const first = firstIssue(r.error.issues);
  if (first === undefined) throw new UserError('invalid options', { field: base });
  const iss = deepestIssue(first);
  throw new UserError(plainMessage(iss), { field: formatPath(issuePath(iss), base) });
}
