import type { z } from 'zod';
import { suggest } from './suggest.js';

/** The page describing each kind of file's accepted forms, for the pointer at the end of a message. */
export const DOCS = { scenarios: 'docs/scenarios.md', serve: 'docs/serve.md', sweeps: 'docs/sweeps.md', learned: 'docs/learned.md' } as const;

/**
 * A schema library issue in plain words for a user: what was expected and what was given, never
 * zod's "Invalid input". Every reader of user input (scenarios, sweeps, traces, serve configs,
 * HTTP bodies, training configs, registry options) words its first issue with this. `doc` is the
 * page that describes the file's accepted forms (a value matching none of them points there):
 * DOCS.serve for serve configs and HTTP bodies, DOCS.sweeps for sweep files, DOCS.learned for
 * training configs and checkpoints.
 */
export function plainMessage(iss: z.core.$ZodIssue, doc: string = DOCS.scenarios): string {
  // A schema's own words for a constraint (`.min(16, 'a token must have at least 16 characters')`) say most.
  if ((iss.code === 'too_small' || iss.code === 'too_big' || iss.code === 'invalid_format') && !/^(Too small|Too big|Invalid)/.test(iss.message)) return iss.message;
  switch (iss.code) {
    case 'invalid_type': {
      const got = /received (\w+)/.exec(iss.message)?.[1];
      if (got === 'undefined') return `missing required field (expected ${article(iss.expected)})`;
      return `expected ${article(iss.expected)}${got ? `, got ${article(got)}` : ''}`;
    }
    case 'invalid_value':
      // Worded at parse time with the nearest value, when parsed with KEY_HINTS.
      if (iss.message.startsWith('expected one of')) return iss.message;
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return iss.origin === 'array' ? `expected at least ${String(iss.minimum)} item${Number(iss.minimum) === 1 ? '' : 's'}` : iss.origin === 'string' ? (Number(iss.minimum) <= 1 ? 'expected a non-empty text' : `expected at least ${String(iss.minimum)} characters`) : `expected a value ${iss.inclusive ? '≥' : '>'} ${String(iss.minimum)}`;
    case 'too_big':
      return iss.origin === 'array' ? `expected at most ${String(iss.maximum)} items` : iss.origin === 'string' ? `expected at most ${String(iss.maximum)} characters` : `expected a value ${iss.inclusive ? '≤' : '<'} ${String(iss.maximum)}`;
    case 'invalid_union': {
      // A discriminated union whose tag is missing or unknown: name the tags it takes.
      const tags = (iss as { options?: readonly unknown[] }).options;
      if (iss.errors.length === 0 && Array.isArray(tags) && tags.length > 0) return iss.message.startsWith('expected one of') ? iss.message : `expected one of ${tags.map((v) => JSON.stringify(v)).join(', ')}`;
      // A form of the right type whose constraint failed (`nodes: -3` is a number, but below 0) says most.
      // A literal form (`queue: false`) that the value is not says no more than a wrong type does.
      const near = iss.errors.map((b) => b[0]).find((b) => b !== undefined && b.code !== 'invalid_type' && b.code !== 'invalid_union' && b.code !== 'invalid_value' && b.path.length === 0);
      if (near !== undefined) return plainMessage(near, doc);
      // Every form failed at this very value: say which forms are accepted (a form that is a union itself: its forms).
      const formsOf = (u: z.core.$ZodIssueInvalidUnion): string[] =>
        u.errors.flatMap((b) => {
          const f = b[0];
          if (f === undefined || f.path.length > 0) return [];
          return f.code === 'invalid_type' ? [article(f.expected)] : f.code === 'invalid_value' ? f.values.map((v) => JSON.stringify(v)) : f.code === 'invalid_union' ? formsOf(f) : [];
        });
      const expected = [...new Set(formsOf(iss))];
      // A number that is not finite (an unquoted 1e400 is read as Infinity) is not "expected a number": say what it was.
      const nonFinite = iss.errors.map((b) => b[0]).find((f) => f?.code === 'invalid_type' && f.expected === 'number' && /^-?Infinity$|^NaN$/.test(String((f as { received?: unknown }).received)));
      const forms = nonFinite === undefined ? expected : expected.map((e) => (e === 'a number' ? 'a finite number' : e));
      const got = nonFinite === undefined ? '' : `, got ${String((nonFinite as { received?: unknown }).received)}`;
      return `${forms.length > 0 ? `expected ${forms.join(' or ')}${got}` : 'this value matches none of the accepted forms'} (see ${doc})`;
    }
    case 'invalid_format':
      return iss.format === 'regex' && 'pattern' in iss ? `expected text matching ${String(iss.pattern)}` : `expected ${iss.format} format`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(iss.divisor)}`;
    case 'unrecognized_keys':
      // Worded at parse time with the nearest known key, when parsed with KEY_HINTS.
      if (iss.message.startsWith('unknown key')) return iss.message;
      return `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_key':
      return 'invalid key';
    case 'invalid_element':
      return 'invalid element';
    case 'custom':
      return iss.message;
  }
}

export function article(t: string): string {
  const word = t === 'int' ? 'integer' : t === 'nan' ? 'number' : t;
  // A value, not a type (zod says "received Infinity" for 1e400): no article ("got Infinity").
  if (/^-?Infinity$|^NaN$/.test(word)) return word;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/**
 * A field path as every error spells it: dotted, with [i] for list indices (`pools[1].capacity.gpu`).
 * `base` (e.g. 'trace') goes in front.
 */
export function formatPath(path: readonly PropertyKey[], base?: string): string {
  let s = base ?? '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/** The path an issue names: for an unknown key, the key itself (`strategy.options.bogus`), not its parent. */
export function issuePath(iss: z.core.$ZodIssue): PropertyKey[] {
  return iss.code === 'unrecognized_keys' ? [...iss.path, ...iss.keys.slice(0, 1)] : [...iss.path];
}

/**
 * For a union (`nodes: 3` or `nodes: { min, max, initial }`), the issue of the form that got
 * furthest (the longest path), so the user hears "nodes.initial: missing required field" rather
 * than "expected a number". Issues outside a union, and unions whose forms all failed at the value
 * itself, come back as they are (plainMessage words those).
 */
export function deepestIssue(iss: z.core.$ZodIssue): z.core.$ZodIssue {
  if (iss.code !== 'invalid_union' || iss.errors.length === 0) return iss;
  // How far a form got: an unknown key counts as one level in (the value was the form's object,
  // `nodes: { initail: 2 }` is the object form with a typo, not a wrong number).
  const depth = (i: z.core.$ZodIssue): number => issuePath(i).length;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of iss.errors) {
    const first = firstIssue(branch);
    if (first !== undefined && (best === undefined || depth(first) > depth(best))) best = first;
  }
  if (best === undefined || depth(best) === 0) return iss;
  const inner = deepestIssue(best);
  return { ...inner, path: [...iss.path, ...inner.path] } as z.core.$ZodIssue;
}

/**
 * Parse options that word an unknown key with the nearest key the object knows
 * (`unknown key 'preemtion' (did you mean 'preemption'?)`), or with none near, the keys it knows
 * (`unknown key 'colour' (expected one of initial, max, min)`), and a value outside a fixed set with
 * the nearest value (`expected one of "none", "easy" (did you mean "easy"?)`), as an unknown CLI flag is
 * (src/cli/args.ts): `schema.safeParse(raw, KEY_HINTS)`. Only a parse-time error map sees the
 * object schema the key was refused by; the issue then carries the words in its `message`.
 */
export const KEY_HINTS = {
  error: (iss: z.core.$ZodRawIssue): string | undefined => {
    if (iss.code === 'invalid_value') {
      // A value spelled wrong (`backfill: eazy`): the values, and the nearest one when one is near.
      const values = iss.values.map((v) => JSON.stringify(v)).join(', ');
      const near = typeof iss.input === 'string' && iss.values.every((v) => typeof v === 'string') ? suggest(iss.input, iss.values as string[]) : undefined;
      return `expected one of ${values}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`;
    }
    if (iss.code === 'invalid_union' && iss.errors.length === 0) {
      // A discriminated union's tag spelled wrong (`dist: lognormall`): the tags, and the nearest one.
      const { options, discriminator, input } = iss as { options?: unknown[]; discriminator?: string; input?: unknown };
      if (!Array.isArray(options) || options.length === 0 || discriminator === undefined) return undefined;
      const given = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[discriminator] : undefined;
      const near = typeof given === 'string' && options.every((v) => typeof v === 'string') ? suggest(given, options as string[]) : undefined;
      return `expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`;
    }
    if (iss.code !== 'unrecognized_keys') return undefined;
    const def = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown>; keyType?: { _zod?: { values?: Set<unknown> } } } } } | undefined)?._zod?.def;
    // An object's keys; or a record's whose keys are a fixed set (`sloWait: { PRIORITY: ... }`).
    const keySet = def?.keyType?._zod?.values;
    const known = def?.shape !== undefined ? Object.keys(def.shape) : keySet !== undefined ? [...keySet].map(String) : undefined;
    return `${unknownKeyMessage(iss.keys[0] as string, known, keySet !== undefined)}${iss.keys.length > 1 ? ` (and ${iss.keys.length - 1} more)` : ''}`;
  },
};

/**
 * An unknown key in the words every reader uses (files, HTTP bodies, library inputs): the nearest
 * of the `known` keys when one is near (`unknown key 'preemtion' (did you mean 'preemption'?)`),
 * else the keys that object takes, so the user need not open the docs to find the one meant
 * (`colour` for `labels`). A fixed set of keys keeps its own order (`ordered`: priorities,
 * highest first); an object's keys are sorted, as its shape lists them in no order a reader can use.
 */
export function unknownKeyMessage(key: string, known: readonly string[] | undefined, ordered = false): string {
  const near = known === undefined ? undefined : suggest(key, known);
  const listed = known === undefined || known.length === 0 ? undefined : ordered ? known : [...known].sort();
  const hint = near !== undefined ? ` (did you mean '${near}'?)` : listed !== undefined ? ` (expected one of ${listed.join(', ')})` : '';
  return `unknown key '${key}'${hint}`;
}

/**
 * The issue to report first. A key spelled wrong is both an unknown key and, when the field is
 * required, a missing one; zod lists the missing field first, which hides the typo
 * (`stratgies:` read as "strategies: missing required field"). The unknown key in the same object
 * says what to fix, so it goes first.
 */
export function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const first = issues[0];
  if (first === undefined || first.code !== 'invalid_type' || !/received undefined/.test(first.message)) return first;
  const parent = first.path.slice(0, -1);
  const typo = issues.find((i) => i.code === 'unrecognized_keys' && i.path.length === parent.length && i.path.every((p, j) => p === parent[j]));
  return typo ?? first;
}
