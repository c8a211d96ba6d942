import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { scenarioSchema, type Scenario } from './schema.js';

/** Dotted path with [i] for indices: `pools[1].capacity.gpu`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/** 1-based line of the node at `path` in a YAML document (or of its nearest existing parent). */
function lineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const parent = doc.getIn(path.slice(0, n) as (string | number)[], true) as unknown;
    if (parent === undefined) continue;
    if (key !== undefined && n === path.length && isMap(parent)) {
      const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === key);
      const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (r) return lc.linePos(r[0]).line;
    }
    const range = (parent as { range?: [number, number, number] }).range;
    if (range) return lc.linePos(range[0]).line;
  }
  return undefined;
}

/** Parse and validate scenario text; errors name the file, line and field path. */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0] as { message: string; pos: [number, number] };
    throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line: lc.linePos(e.pos[0]).line });
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected a mapping of scenario fields (name, pools, trace, strategies, ...)', { file });
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) throw issueToError(r.error.issues[0] as z.core.$ZodIssue, doc, lc, file);
  return r.data;
}

/** Read a scenario file as plain data (YAML parsed, not yet validated); errors name the line. */
export async function readScenarioObject(file: string): Promise<Record<string, unknown>> {
  const text = await readText(file);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0] as { message: string; pos: [number, number] };
    throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line: lc.linePos(e.pos[0]).line });
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected a mapping of scenario fields (name, pools, trace, strategies, ...)', { file });
  return raw as Record<string, unknown>;
}

/**
 * Validate a scenario given as data (a sweep's scenario after its axis values were set); errors
 * name the field path and `origin` (e.g. "sweep.yaml, cell pools[0].nodes=8").
 */
export function validateScenarioObject(raw: unknown, origin: string): Scenario {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected a mapping of scenario fields (name, pools, trace, strategies, ...)', { file: origin });
  const r = scenarioSchema.safeParse(raw);
  if (r.success) return r.data;
  const iss = specific(r.error.issues[0] as z.core.$ZodIssue);
  const path = iss.path as PropertyKey[];
  if (iss.code === 'unrecognized_keys') return fail(new ConfigError(`unknown key '${iss.keys[0] as string}'`, { file: origin, field: formatPath([...path, iss.keys[0] as string]) }));
  return fail(new ConfigError(plainMessage(iss), { file: origin, field: formatPath(path) || '(root)' }));
}

function fail(e: Error): never {
  throw e;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'scenario file not found' : `cannot read scenario file (${code ?? String(e)})`, { file });
  }
}

/**
 * For a union (`pools: [...]` or `{ kind }`), report the branch that got furthest (its issue has
 * the longest path), so the user hears "pools[0].capacity.cpu: expected ..." not "Invalid input".
 */
function specific(iss: z.core.$ZodIssue): z.core.$ZodIssue {
  if (iss.code !== 'invalid_union' || iss.errors.length === 0) return iss;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of iss.errors) {
    const first = branch[0];
    if (first !== undefined && (best === undefined || first.path.length > best.path.length)) best = first;
  }
  if (best === undefined || best.path.length === 0) return iss;
  const inner = specific(best);
  return { ...inner, path: [...iss.path, ...inner.path] } as z.core.$ZodIssue;
}

function issueToError(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, file: string): ConfigError {
  const iss = specific(issue);
  const path = iss.path as PropertyKey[];
  if (iss.code === 'unrecognized_keys') {
    const key = iss.keys[0] as string;
    return new ConfigError(`unknown key '${key}'${iss.keys.length > 1 ? ` (and ${iss.keys.length - 1} more)` : ''}`, { file, line: lineOf(doc, lc, path, key), field: formatPath([...path, key]) });
  }
  return new ConfigError(plainMessage(iss), { file, line: lineOf(doc, lc, path), field: formatPath(path) || '(root)' });
}

/** zod's issue in plain words: what was expected and what was given, never "Invalid input". */
export function plainMessage(iss: z.core.$ZodIssue): string {
  switch (iss.code) {
    case 'invalid_type': {
      const got = /received (\w+)/.exec(iss.message)?.[1];
      if (got === 'undefined') return `missing required field (expected ${article(iss.expected)})`;
      return `expected ${article(iss.expected)}${got ? `, got ${article(got)}` : ''}`;
    }
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return iss.origin === 'array' ? `expected at least ${String(iss.minimum)} item${Number(iss.minimum) === 1 ? '' : 's'}` : iss.origin === 'string' ? 'expected a non-empty text' : `expected a value ${iss.inclusive ? '≥' : '>'} ${String(iss.minimum)}`;
    case 'too_big':
      return iss.origin === 'array' ? `expected at most ${String(iss.maximum)} items` : `expected a value ${iss.inclusive ? '≤' : '<'} ${String(iss.maximum)}`;
    case 'invalid_union':
      return 'this value matches none of the accepted forms (see docs/scenarios.md)';
    case 'invalid_format':
      return `expected ${iss.format} format`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(iss.divisor)}`;
    case 'unrecognized_keys':
      return `unknown key '${iss.keys[0] as string}'`;
    case 'invalid_key':
      return 'invalid key';
    case 'invalid_element':
      return 'invalid element';
    case 'custom':
      return iss.message;
  }
}

function article(t: string): string {
  const word = t === 'int' ? 'integer' : t === 'nan' ? 'number' : t;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

export async function loadScenario(file: string): Promise<Scenario> {
  return parseScenario(await readText(file), file);
}
