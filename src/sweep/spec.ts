import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { DOCS, deepestIssue, firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';
import { readScenarioObject } from '../scenario/load.js';
import { emptyDocumentError, issueLine, yamlError, yamlLineOf, yamlValue } from '../core/yaml-line.js';
import { canonicalJson, shownValue } from './canonical.js';

/**
 * A sweep file: one scenario, the strategies and seeds to run it with, and axes that set any
 * scenario field by path. Every combination of axis values × strategy × seed is one cell.
 *
 *   scenario: ../scenarios/default.yaml
 *   strategies: [first-fit, best-fit-decreasing]   # labels from the scenario (or strategies to add); default all
 *   seeds: 10                                      # a count (seeds 1..10) or a list
 *   set: { horizon: 10m, trace.horizon: 10m }      # fixed overrides for every cell
 *   axes:
 *     pools[0].nodes: [8, 12, 16]
 *     trace.arrival.rate: [4, 8]
 */
/** A seed count beyond this is a slip (`seeds: 1e12`), not a sweep: every seed runs every cell once more. */
const MAX_SEED_COUNT = 100_000;

const sweepSchema = z
  .object({
    // Also the default results folder's name (.drs-sweep/<name>): checked where it is one (resultsFolderName).
    name: z.string().min(1).optional(),
    scenario: z.string().min(1),
    strategies: z.array(z.string().min(1)).min(1).optional(),
    seeds: z.union([z.number().int().positive().max(MAX_SEED_COUNT, `expected a seed count of at most ${MAX_SEED_COUNT} (each seed runs every cell once more)`), z.array(z.union([z.number().int(), z.string().min(1)])).min(1)]).default(5),
    set: z.record(z.string(), z.unknown()).default({}),
    axes: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
  })
  .strict();

/** Trace kinds that take no seed: the requests are the file's, whatever the run's seed. */
const REPLAYED_AS_RECORDED: ReadonlySet<string> = new Set(['csv', 'swf', 'alibaba-gpu']);

export type AxisValue = unknown;

export interface SweepSpec {
  readonly name: string;
  readonly file: string;
  readonly scenarioFile: string;
  /** The scenario as data, with `set:` applied. */
  readonly base: Record<string, unknown>;
  readonly strategies: readonly string[] | undefined;
  readonly seeds: readonly (number | string)[];
  /** Axis paths in file order with their values. */
  readonly axes: readonly { readonly path: string; readonly values: readonly AxisValue[] }[];
  /** What the sweep will do that its author may not expect (printed by `drs sweep`). */
  readonly warnings: readonly string[];
  /** The line of each field an error found later may name (`strategies`, `strategies[I]`, `axes.PATH`, `set.PATH`). */
  readonly lines?: Readonly<Record<string, number>>;
}

/** Where an error in a sweep file is: the file, the field's line (when known) and the field. */
export interface SweepOrigin {
  readonly file: string;
  readonly line?: number;
  readonly field: string;
}

/** `pools[0].nodes` → ['pools', 0, 'nodes']; a malformed path is a ConfigError naming it. */
export function parsePath(p: string, origin: SweepOrigin): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  let consumed = '';
  while ((m = re.exec(p)) !== null) {
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
    consumed += m[0];
  }
  if (out.length === 0 || consumed.length !== p.replace(/\./g, '').length || !/^[^.[\]]+(\.[^.[\]]+|\[\d+\])*$/.test(p)) {
    throw new ConfigError(`'${p}' is not a field path (write it like pools[0].nodes or trace.arrival.rate)`, origin);
  }
  // A step into '__proto__' reached Object.prototype: an override set a field of every object.
  if (out.includes('__proto__')) throw new ConfigError(`'${p}' names '__proto__', which is no scenario field`, origin);
  return out;
}

/**
 * A copy of `obj` with the field at `p` set to `value`. Every step but the last must exist, so a
 * misspelt path fails instead of silently adding a field nobody reads.
 */
export function setPath(obj: Record<string, unknown>, p: readonly (string | number)[], value: unknown, origin: SweepOrigin): Record<string, unknown> {
  const root = structuredClone(obj);
  let cur: unknown = root;
  for (let i = 0; i < p.length - 1; i++) {
    const k = p[i] as string | number;
    if (typeof k === 'number' && Array.isArray(cur) && k >= cur.length) {
      throw new ConfigError(`the scenario has no item '${formatPath(p.slice(0, i + 1))}' (it has ${cur.length})`, origin);
    }
    const next = (cur as Record<string | number, unknown>)[k];
    if (next === null || typeof next !== 'object') {
      throw new ConfigError(`the scenario has no field '${formatPath(p.slice(0, i + 1))}' to descend into`, origin);
    }
    cur = next;
  }
  const last = p[p.length - 1] as string | number;
  // A named field of a list (`pools.nodes`) would become a property no one reads: the axis or
  // override would silently change nothing.
  if (typeof last === 'string' && Array.isArray(cur)) {
    throw new ConfigError(`the scenario's '${formatPath(p.slice(0, -1))}' is a list (${cur.length} items): name an item, as in '${formatPath([...p.slice(0, -1), 0, last])}'`, origin);
  }
  if (typeof last === 'number' && (!Array.isArray(cur) || last >= cur.length)) {
    throw new ConfigError(`the scenario has no item '${formatPath(p)}'${Array.isArray(cur) ? ` (it has ${cur.length})` : ''}`, origin);
  }
  (cur as Record<string | number, unknown>)[last] = structuredClone(value);
  return root;
}

export async function loadSweep(file: string): Promise<SweepSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'sweep file not found' : `cannot read sweep file (${code ?? String(e)})`, { file });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw yamlError(text, lc, doc.errors[0] as Parameters<typeof yamlError>[2], file);
  const empty = emptyDocumentError(doc, file, 'a sweep file, a mapping of its fields (scenario, strategies, seeds, set, axes; see docs/sweeps.md)');
  if (empty !== undefined) throw empty;
  // The field `field` (default: `at` dotted) at the line of the node at `at`.
  const at = (node: readonly (string | number)[], field = formatPath(node) || '(root)'): SweepOrigin => {
    const line = yamlLineOf(doc, lc, node);
    return { file, ...(line !== undefined ? { line } : {}), field };
  };
  const raw = yamlValue(doc, lc, file);
  // The schema's records drop a key '__proto__' (set: or axes: would silently do nothing): refused first.
  for (const where of ['set', 'axes'] as const) {
    const m = raw !== null && typeof raw === 'object' && Object.hasOwn(raw, where) ? (raw as Record<string, unknown>)[where] : undefined;
    if (m !== null && typeof m === 'object' && Object.hasOwn(m, '__proto__')) parsePath('__proto__', at([where, '__proto__'], `${where}.__proto__`));
  }
  const r = sweepSchema.safeParse(raw, KEY_HINTS);
  if (!r.success) {
    const iss = deepestIssue(firstIssue(r.error.issues) as z.core.$ZodIssue);
    const line = issueLine(doc, lc, iss);
    throw new ConfigError(plainMessage(iss, DOCS.sweeps), { file, ...(line !== undefined ? { line } : {}), field: formatPath(issuePath(iss)) || '(root)' });
  }
  const s = r.data;
  // The index of the first item that repeats an earlier one (mappings compared whatever their key order).
  const twice = <T>(items: readonly T[]): number => items.findIndex((x, i) => items.findIndex((y) => canonicalJson(y) === canonicalJson(x)) !== i);
  const strategy = s.strategies === undefined ? -1 : twice(s.strategies);
  if (strategy >= 0) throw new ConfigError(`strategy '${s.strategies?.[strategy] ?? ''}' is listed twice (it would be compared with itself)`, at(['strategies', strategy], 'strategies'));
  for (const [p, values] of Object.entries(s.axes)) {
    const i = twice(values);
    if (i >= 0) throw new ConfigError(`the value ${shownValue(values[i])} is given twice (one point, run twice)`, at(['axes', p, i], `axes.${p}`));
  }
  // Each cell's seed is one of `seeds:`; a seed set anywhere else would be overridden in every cell.
  for (const where of ['axes', 'set'] as const) {
    if ('seed' in s[where]) throw new ConfigError(`the scenario's seed is each cell's seed, taken from 'seeds:'; remove ${where}.seed and list the seeds under seeds`, at([where, 'seed'], `${where}.seed`));
  }
  const scenarioFile = path.resolve(path.dirname(file), s.scenario);
  let base: Record<string, unknown>;
  try {
    base = await readScenarioObject(scenarioFile);
  } catch (e) {
    // A scenario the file cannot be read (not found, a folder) is the sweep file's `scenario:` line.
    if (!(e instanceof ConfigError) || e.location.line !== undefined || e.location.field !== undefined) throw e;
    throw new ConfigError(`${scenarioFile}: ${e.detail}`, at(['scenario']));
  }
  for (const [p, v] of Object.entries(s.set)) base = setPath(base, parsePath(p, at(['set', p], `set.${p}`)), v, at(['set', p], `set.${p}`));
  const axes = Object.entries(s.axes).map(([p, values]) => {
    parsePath(p, at(['axes', p], `axes.${p}`));
    return { path: p, values };
  });
  const seeds = typeof s.seeds === 'number' ? Array.from({ length: s.seeds }, (_, i) => i + 1) : s.seeds;
  const seed = twice(seeds.map(String));
  if (seed >= 0) throw new ConfigError(`seed ${JSON.stringify(seeds[seed])} is listed twice`, at(['seeds', seed], 'seeds'));
  const lines: Record<string, number> = {};
  const named: [string, (string | number)[]][] = [['name', ['name']], ['strategies', ['strategies']], ...(s.strategies ?? []).map((_, i): [string, (string | number)[]] => [`strategies[${i}]`, ['strategies', i]]), ...(['axes', 'set'] as const).flatMap((w) => Object.keys(s[w]).map((p): [string, string[]] => [`${w}.${p}`, [w, p]]))];
  for (const [field, node] of named) {
    const line = at(node).line;
    if (line !== undefined) lines[field] = line;
  }
  const warnings: string[] = [];
  const traceSeed = (base.trace as { seed?: unknown } | undefined)?.seed;
  if (traceSeed !== undefined && seeds.length > 1) {
    warnings.push(`the scenario's trace has its own seed (trace.seed: ${JSON.stringify(traceSeed)}), so every seed replays the same workload and the intervals cover only the strategies' own randomness; remove trace.seed (or set it with an axis) to vary the workload by seed`);
  }
  // Recorded traces draw nothing from the seed: every seed replays the same requests, as with a
  // trace seed above, which a sweep over seeds must say (its ±0 intervals would otherwise read as a result).
  const traceKind = (base.trace as { kind?: unknown } | undefined)?.kind;
  if (typeof traceKind === 'string' && REPLAYED_AS_RECORDED.has(traceKind) && seeds.length > 1) {
    warnings.push(`the scenario's trace (kind ${traceKind}) is replayed as recorded, so every seed replays the same workload and the intervals cover only the strategies' own randomness and the scenario's random failures (failures.random); to vary the workload, sweep trace options with an axis or use a synthetic or demand-series trace`);
  }
  return { name: s.name ?? path.basename(file).replace(/\.ya?ml$/, ''), file, scenarioFile, base, strategies: s.strategies, seeds, axes, warnings, lines };
}

/**
 * The sweep's name as the default results folder, .drs-sweep/<name> (no --results): one folder
 * name, not a path out of it ('../x' put the results outside .drs-sweep, 'a/b' nested them). A
 * ConfigError naming the field otherwise. With --results the name only names the sweep.
 */
export function resultsFolderName(spec: SweepSpec): string {
  const n = spec.name;
  if (n !== '' && !/[/\\]/.test(n) && n !== '.' && n !== '..') return n;
  const line = spec.lines?.name;
  throw new ConfigError("expected one folder name (no '/', '\\', '.' or '..'): the results go to .drs-sweep/<name>; use --results DIR for another place", {
    file: spec.file,
    ...(line !== undefined ? { line } : {}),
    field: 'name',
  });
}
