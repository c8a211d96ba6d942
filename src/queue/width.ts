import { z } from 'zod';
import { UserError } from '../core/errors.js';

/*
 * `widthDimension`: which demand dimension is a job's width n (F1, WFP3, UNICEP, the learned
 * queue's features). Written as an index into the dimensions (`2`) or as a dimension's name
 * (`gpu`). A dimension the resource space lacks would read every job's width as 0 without a
 * word, so the places that know the dimensions (scenario check, serve config, the scheduler,
 * createQueuePolicy given the dimensions) refuse it with the dimensions there are.
 */

/** The option's schema: an index ≥ 0 or a dimension name. */
export const widthDimensionSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export type WidthDimension = z.infer<typeof widthDimensionSchema>;

/** Why `value` names no dimension of `dimensions`; undefined when it does. */
export function widthDimensionIssue(value: WidthDimension, dimensions: readonly string[]): string | undefined {
  const known = dimensions.map((n, i) => `${i} = ${n}`).join(', ');
  if (typeof value === 'string') return dimensions.includes(value) ? undefined : `unknown dimension '${value}': expected a dimension's name or index (dimensions: ${known})`;
  return value < dimensions.length ? undefined : `there is no dimension ${value}: expected an index 0-${dimensions.length - 1} or a name of the dimensions (${known})`;
}

/**
 * The index `value` names in `dimensions` (a UserError under `field` when none). Without the
 * dimensions an index is taken as given and a name cannot be resolved, so it is refused.
 */
export function widthDimensionIndex(value: WidthDimension | undefined, dimensions: readonly string[] | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (dimensions === undefined) {
    if (typeof value === 'number') return value;
    throw new UserError(`the dimension '${value}' is named, but the dimensions are not known here: give its index, or the dimensions (createQueuePolicy's third argument)`, { field });
  }
  const issue = widthDimensionIssue(value, dimensions);
  if (issue !== undefined) throw new UserError(issue, { field });
  return typeof value === 'number' ? value : dimensions.indexOf(value);
}

/** The `widthDimension` in the options of a queue reference (`{ name, options }`), when written. */
export function writtenWidthDimension(options: unknown): WidthDimension | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const v = (options as { widthDimension?: unknown }).widthDimension;
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}
