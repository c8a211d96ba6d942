import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, UserError } from '../core/errors.js';
import { article, deepestIssue, firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';
import { fieldPath, issueLine, yamlError, yamlLineOf, yamlValue, type YamlIssue } from '../core/yaml-line.js';
import path from 'node:path';
import { agentTraceFleet } from '../agents/workload.js';
import { parsePoolSourceSpec, parseTraceSpec } from '../traces/registry.js';
import { resolveScenarioModels } from './models.js';
import { checkScenarioFields } from './cross-check.js';
import { checkProtocol } from './protocol.js';
import { scenarioSchema, type Scenario } from './schema.js';

/**
 * How scenario YAML is parsed: a key given twice is an error, and `<<: *anchor` merge keys work
 * (YAML 1.1's, still widely written: `- { <<: *gpu, name: l4 }` copies the anchored pool's fields,
 * the ones written beside it win). Without `merge`, `<<` was read as a key of its own and the
 * merged fields as missing ("missing required field" on the line that holds them).
 */
const SCENARIO_YAML = (lineCounter: LineCounter) => ({ lineCounter, prettyErrors: false, uniqueKeys: true, merge: true }) as const;

/** Parse and validate scenario text; errors name the file, line and field path. */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, SCENARIO_YAML(lc));
  if (doc.errors.length > 0) throw yamlError(text, lc, doc.errors[0] as YamlIssue, file);
  const raw: unknown = yamlValue(doc, lc, file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected a mapping of scenario fields (name, pools, trace, strategies, ...)', { file });
  checkMemoryUnits(raw as Record<string, unknown>, (path) => yamlLineOf(doc, lc, path), file);
  const r = scenarioSchema.safeParse(raw, KEY_HINTS);
  if (!r.success) throw issueToError(firstIssue(r.error.issues) as z.core.$ZodIssue, doc, lc, file);
  checkProtocol(r.data, file, (path) => yamlLineOf(doc, lc, path));
  checkTrace(r.data, (path) => yamlLineOf(doc, lc, path), file);
  checkScenarioFields(r.data, file, (field) => yamlLineOf(doc, lc, fieldPath(field)));
  return resolveScenarioModels(r.data, path.dirname(path.resolve(file)), (at, message) => {
    const written = writtenPath(doc, at);
    throw new ConfigError(message, { file, line: yamlLineOf(doc, lc, written), field: formatPath(written) });
  });
}

/**
 * `at` as the file spells it: `learned:m.json` was read as option `model`, but the user wrote
 * `strategies[1]: learned:m.json` (or `name: learned:m.json`), which is the field to name.
 */
function writtenPath(doc: Document, at: readonly (string | number)[]): (string | number)[] {
  if (doc.hasIn(at)) return [...at];
  const ref = at.slice(0, at[at.length - 1] === 'model' ? -2 : -1);
  return doc.hasIn([...ref, 'name']) ? [...ref, 'name'] : ref;
}

/**
 * Validate the `trace:` block (and a pool source) now, with the same parser drs run uses, so a
 * bad field is reported with its line and in plain words before anything runs.
 */
function checkTrace(sc: Scenario, lineAt: (path: (string | number)[]) => number | undefined, file: string, baseDir = path.dirname(path.resolve(file))): void {
  const relocate = (e: unknown): never => {
    if (!(e instanceof UserError) || e.location.field === undefined) throw e;
    // An error in a file the trace names (an agents fleet file) keeps that file and its line.
    if (e.location.file !== undefined && path.resolve(e.location.file) !== path.resolve(file)) throw e;
    const field = e.location.field;
    const text = e.detail;
    throw new ConfigError(plainText(text), { file, line: lineAt(fieldPath(field)), field });
  };
  try {
    // `kind: agents` is the agent-fleet workload, validated by src/agents (not a trace reader).
    if (sc.trace.kind === 'agents') {
      const pools = Array.isArray(sc.pools) ? sc.pools.map((p) => p.name) : undefined;
      // One node's capacity per pool; GPUs declared as devices count as capacity.gpu.
      const nodeCapacity = Array.isArray(sc.pools) ? Object.fromEntries(sc.pools.map((p) => [p.name, { ...p.capacity, ...(p.gpus !== undefined ? { gpu: p.gpus.count } : {}) }])) : undefined;
      agentTraceFleet(sc.trace, { baseDir, file, ...(pools !== undefined ? { pools } : {}), ...(nodeCapacity !== undefined ? { nodeCapacity } : {}), ...(sc.horizon !== undefined ? { horizon: sc.horizon } : {}) });
    }
    else parseTraceSpec(sc.trace, file);
    if (!Array.isArray(sc.pools)) parsePoolSourceSpec(sc.pools, file);
  } catch (e) {
    relocate(e);
  }
}

/** zod's "Invalid input: expected number, received string" in plain words. */
function plainText(msg: string): string {
  const m = /^Invalid input: expected (\w+), received (\w+)$/.exec(msg);
  if (m) return m[2] === 'undefined' ? `missing required field (expected ${article(m[1] as string)})` : `expected ${article(m[1] as string)}, got ${article(m[2] as string)}`;
  return msg.replace(/^Invalid input: /, '');
}

/** Memory resource keys whose plain numbers need a unit. */
const MEMORY_KEYS = new Set(['memory', 'mem']);
/** Resource keys that count cores or devices: a byte unit on them is refused. */
const COUNT_KEYS = new Set(['cpu', 'gpu']);

/**
 * Memory given as a plain number (`memory: 128`) is ambiguous (bytes? MiB? GiB?) and is an error
 * naming the line, unless the scenario declares `units: { memory: Gi }` (plain numbers are GiB);
 * a byte unit on a count (`cpu: 96Gi`) is an error whatever the units.
 * Checked in pool capacities and in demands anywhere in the file (trace profiles).
 */
function checkMemoryUnits(raw: Record<string, unknown>, lineAt: (path: (string | number)[]) => number | undefined, file: string): void {
  const units = raw.units as { memory?: unknown } | undefined;
  const plainMemory = units !== null && typeof units === 'object' && units.memory !== undefined;
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') {
      const parent = path[path.length - 1];
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const amount = parent === 'capacity' || parent === 'demand';
        if (amount && !plainMemory && MEMORY_KEYS.has(k) && typeof x === 'number' && x !== 0) {
          throw new ConfigError(`memory needs a unit: write ${x}Gi (GiB) or ${x}Mi (MiB), or declare 'units: { memory: Gi }' to read plain numbers as GiB`, { file, line: lineAt([...path, k]), field: formatPath([...path, k]) });
        }
        // `cpu: 96Gi` would be read as 96 × 2³⁰ cores: a byte unit on a count is a slip, not data.
        if (amount && COUNT_KEYS.has(k) && typeof x === 'string' && /^\s*[\d.]+\s*[KMGTPE]i\s*$/.test(x)) {
          throw new ConfigError(`${k} is a count (${k === 'cpu' ? 'cores' : 'devices'}): '${x}' has a byte unit; write a number (e.g. 96) or milli (500m)`, { file, line: lineAt([...path, k]), field: formatPath([...path, k]) });
        }
        walk(x, [...path, k]);
      }
    }
  };
  walk(raw, []);
}

/** Read a scenario file as plain data (YAML parsed, not yet validated); errors name the line. */
export async function readScenarioObject(file: string): Promise<Record<string, unknown>> {
  const text = await readText(file);
  const lc = new LineCounter();
  const doc = parseDocument(text, SCENARIO_YAML(lc));
  if (doc.errors.length > 0) throw yamlError(text, lc, doc.errors[0] as YamlIssue, file);
  const raw: unknown = yamlValue(doc, lc, file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected a mapping of scenario fields (name, pools, trace, strategies, ...)', { file });
  checkMemoryUnits(raw as Record<string, unknown>, (path) => yamlLineOf(doc, lc, path), file);
  return raw as Record<string, unknown>;
}

/**
 * Validate a scenario given as data (a sweep's scenario after its axis values were set); errors
 * name the field path and `origin` (e.g. "sweep.yaml, cell pools[0].nodes=8"). Relative model
 * files are `baseDir`'s (default: `origin`'s folder, for an origin that is the scenario file).
 */
export function validateScenarioObject(raw: unknown, origin: string, baseDir: string = path.dirname(path.resolve(origin))): Scenario {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected a mapping of scenario fields (name, pools, trace, strategies, ...)', { file: origin });
  checkMemoryUnits(raw as Record<string, unknown>, () => undefined, origin);
  const r = scenarioSchema.safeParse(raw, KEY_HINTS);
  if (r.success) {
    checkProtocol(r.data, origin);
    checkTrace(r.data, () => undefined, origin, baseDir);
    checkScenarioFields(r.data, origin, () => undefined);
    return resolveScenarioModels(r.data, baseDir, (at, message) => fail(new ConfigError(message, { file: origin, field: formatPath(at) })));
  }
  const iss = deepestIssue(firstIssue(r.error.issues) as z.core.$ZodIssue);
  const path = iss.path as PropertyKey[];
  if (iss.code === 'unrecognized_keys') return fail(new ConfigError(plainMessage(iss), { file: origin, field: formatPath([...path, iss.keys[0] as string]) }));
  return fail(new ConfigError(plainMessage(iss), { file: origin, field: formatPath(path) || '(root)' }));
}

function fail(e: Error): never {
  throw e;
}

/** What a trace file's name says it is (`.swf`, `.csv`, `.jsonl`/`.ndjson`, optionally `.gz`), else undefined. */
function traceKindOfName(file: string): 'swf' | 'csv' | 'jsonl' | undefined {
  const m = /\.(swf|csv|jsonl|ndjson)(\.gz)?$/i.exec(file)?.[1]?.toLowerCase();
  return m === undefined ? undefined : m === 'ndjson' ? 'jsonl' : (m as 'swf' | 'csv' | 'jsonl');
}

const TRACE_WORDS = { swf: 'an SWF log', csv: 'a CSV trace', jsonl: 'a JSON Lines trace' } as const;

/**
 * The text of a scenario file. A name that says trace (`drs run log.swf`) is refused before it is
 * read: parsed as YAML it gave "invalid YAML: Implicit keys ..." at line 1, which hid the slip.
 */
async function readText(file: string): Promise<string> {
  const kind = traceKindOfName(file);
  if (kind !== undefined) {
    const how = `name it in a scenario's trace: field (trace: { kind: ${kind === 'swf' ? 'swf' : '...'}, file: ... }, see docs/traces.md)${kind === 'swf' ? ', or replay it with drs replay-swf FILE' : ''}`;
    throw new ConfigError(`this is ${TRACE_WORDS[kind]}, not a scenario: a scenario YAML file is expected here (e.g. scenarios/default.yaml). To run the trace, ${how}`, { file });
  }
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'scenario file not found' : `cannot read scenario file (${code ?? String(e)})`, { file });
  }
}

function issueToError(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, file: string): ConfigError {
  const iss = deepestIssue(issue);
  return new ConfigError(plainMessage(iss), { file, line: issueLine(doc, lc, iss), field: formatPath(issuePath(iss)) || '(root)' });
}

export async function loadScenario(file: string): Promise<Scenario> {
  return parseScenario(await readText(file), file);
}
