import { z } from 'zod';
import { parseDuration, parseQuantity } from './units.js';

/*
 * Field schemas shared by every config format (scenarios, trace specs, service config), so a
 * duration or a quantity is spelled and reported the same way everywhere. Outputs are valid
 * inputs, so parsing twice is harmless.
 */

/** Seconds, or a string with a unit: 30, "90s", "5m", "1.5h". */
export const durationSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined || s < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative duration such as 30, "90s", "5m" or "1.5h", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return s;
});

export const positiveDurationSchema = durationSchema.refine((s) => s > 0, { message: 'expected a duration > 0' });

/** A resource amount: 8, "500m" (= 0.5), "16Gi" (= 16, GiB). */
export const quantitySchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const q = parseQuantity(v);
  if (q === undefined || q < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative quantity such as 8, "0.5", "500m" or "64Gi", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return q;
});
