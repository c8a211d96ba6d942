import { dimensionRefIndex, dimensionRefIssue, dimensionRefSchema, type DimensionRef } from '../core/dimension-ref.js';

/*
 * `widthDimension`: which demand dimension is a job's width n (F1, WFP3, UNICEP, the learned
 * queue's features). Written as an index into the dimensions (`2`) or as a dimension's name
 * (`gpu`), read as any option naming a dimension (core/dimension-ref.ts). A dimension the resource
 * space lacks would read every job's width as 0 without a word, so the places that know the
 * dimensions (scenario check, serve config, the scheduler, createQueuePolicy given the
 * dimensions) refuse it with the dimensions there are.
 */

/** The option's schema: an index ≥ 0 or a dimension name. */
export const widthDimensionSchema = dimensionRefSchema;

export type WidthDimension = DimensionRef;

/** Why `value` names no dimension of `dimensions`; undefined when it does. */
export const widthDimensionIssue = dimensionRefIssue;

/**
 * The index `value` names in `dimensions` (a UserError under `field` when none). Without the
 * dimensions an index is taken as given and a name cannot be resolved, so it is refused.
 */
export function widthDimensionIndex(value: WidthDimension | undefined, dimensions: readonly string[] | undefined, field: string): number | undefined {
  return dimensionRefIndex(value, dimensions, field, "createQueuePolicy's third argument");
}

/** The `widthDimension` in the options of a queue reference (`{ name, options }`), when written. */
export function writtenWidthDimension(options: unknown): WidthDimension | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const v = (options as { widthDimension?: unknown }).widthDimension;
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}
