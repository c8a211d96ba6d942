import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { article, plainMessage } from '../../src/core/plain-issue.js';

describe('plain issue messages', () => {
  it('a type takes its article; a value such as Infinity takes none ("got Infinity", not "got a Infinity")', () => {
    expect([article('number'), article('integer'), article('int'), article('object')]).toEqual(['a number', 'an integer', 'an integer', 'an object']);
    expect([article('Infinity'), article('-Infinity'), article('NaN')]).toEqual(['Infinity', '-Infinity', 'NaN']);
    const r = z.object({ cpu: z.number() }).safeParse({ cpu: Infinity });
    expect(r.success).toBe(false);
    if (!r.success) expect(plainMessage(r.error.issues[0] as (typeof r.error.issues)[number])).toBe('expected a number, got Infinity');
  });

  /*
   * A union whose form is itself a union (a duration, number or text, or a per-hook mapping:
   * `hook_timeout`) named only the outer forms: `hook_timeout: true` read "expected an object",
   * as if a duration were not taken.
   */
  it('names the forms of a union nested in a union', () => {
    const r = z.union([z.union([z.number(), z.string()]).transform((v) => v), z.object({ a: z.number() })]).safeParse(true);
    expect(r.success).toBe(false);
    if (!r.success) expect(plainMessage(r.error.issues[0] as (typeof r.error.issues)[number])).toBe('expected a number or a string or an object (see docs/scenarios.md)');
  });
});
