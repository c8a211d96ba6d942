import { describe, expect, it } from 'vitest';
import { boundedPositiveDurationSchema, durationSchema, positiveDurationSchema } from '../../src/core/fields.js';

/** The one issue message of parsing `v`, or undefined when it parses. */
function message(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, v: unknown): string | undefined {
  const r = schema.safeParse(v);
  return r.success ? undefined : r.error?.issues.map((i) => i.message).join(' | ');
}

describe('duration fields say what the field expects', () => {
  it('a positive duration given -5 or a bad text says > 0, not "non-negative" (0 is refused there too)', () => {
    for (const schema of [positiveDurationSchema, boundedPositiveDurationSchema]) {
      expect(message(schema, -5)).toBe('expected a duration > 0 such as 30, "90s", "5m" or "1.5h", got -5');
      expect(message(schema, 'soon')).toBe('expected a duration > 0 such as 30, "90s", "5m" or "1.5h", got "soon"');
      expect(message(schema, 0)).toMatch(/^expected a duration > 0/);
      expect(message(schema, '90s')).toBeUndefined();
    }
  });

  it('a non-negative duration still says non-negative and takes 0', () => {
    expect(message(durationSchema, -5)).toBe('expected a non-negative duration such as 30, "90s", "5m" or "1.5h", got -5');
    expect(message(durationSchema, 0)).toBeUndefined();
  });
});
