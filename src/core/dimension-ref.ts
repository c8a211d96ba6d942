import { z } from 'zod';
import { UserError } from './errors.js';

/*
 * An option that names a resource dimension (a queue's `widthDimension`, a scaling policy's
 * utilization `dimension`): written as an index into the dimensions (`2`) or as a dimension's
 * name (`gpu`). One the resource space lacks would read 0 for every request or node without a
 * word, so the places that know the dimensions refuse it with the dimensions there are.
 */

/** The schema of such an option: an index ≥ 0 or a dimension name. */
export const dimensionRefSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export type DimensionRef = z.infer<typeof dimensionRefSchema>;

/** Why `value` names no dimension of `dimensions`; undefined when it does. */
export function dimensionRefIssue(value: DimensionRef, dimensions: readonly string[]): string | undefined {
  const known = dimensions.map((n, i) => `${i} = ${n}`).join(', ');
  if (typeof value === 'string') return dimensions.includes(value) ? undefined : `unknown dimension '${value}': expected a dimension's name or index (dimensions: ${known})`;
  return value < dimensions.length ? undefined : `there is no dimension ${value}: expected an index 0-${dimensions.length - 1} or a name of the dimensions (${known})`;
}

/**
 * The index `value` names in `dimensions` (a UserError under `field` when none). Without the
 * dimensions an index is taken as given and a name cannot be resolved, so it is refused; `where`
 * says how to give them (e.g. "createQueuePolicy's third argument").
 */
export function dimensionRefIndex(value: DimensionRef | undefined, dimensions: readonly string[] | undefined, field: string, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (dimensions === undefined) {
    if (typeof value === 'number') return value;
    throw new UserError(`the dimension '${value}' is named, but the dimensions are not known here: give its index, or the dimensions (${where})`, { field });
  }
  const issue = dimensionRefIssue(value, dimensions);
  if (issue !== undefined) throw new UserError(issue, { field });
  return typeof value === 'number' ? value : dimensions.indexOf(value);
}
