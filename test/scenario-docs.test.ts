import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentsTraceSchema } from '../src/agents/workload.js';
import { ALLOCATOR_NAMES, ALLOCATORS } from '../src/algorithms/registry.js';
import { SCALING_POLICIES, SCALING_POLICY_NAMES } from '../src/autoscale/registry.js';
import { UserError } from '../src/core/errors.js';
import { QUEUE_POLICIES, QUEUE_POLICY_NAMES } from '../src/queue/registry.js';
import { buildScenario } from '../src/scenario/build.js';
import { parseScenario } from '../src/scenario/load.js';
import { scenarioSchema, type Scenario } from '../src/scenario/schema.js';
import { alibabaNodesSchema } from '../src/traces/schemas.js';
import { TRACE_KIND_NAMES, TRACE_KINDS } from '../src/traces/registry.js';
import { DATA_ROOT, haveData } from './support/data.js';

/**
 * docs/scenarios.md is the reference of the scenario format. It must not drift from the code:
 * every full scenario in it (a ```yaml block whose first key is `name:`) is validated the way
 * `drs validate` does, a block headed `# refused: TEXT` must be refused with TEXT, and every key
 * the schemas accept (the scenario's, each trace kind's, each registry entry's options) and every
 * registered name must be mentioned in the doc, in code, in the section that documents it; and the
 * defaults the schemas apply (top-level, pool and protocol fields, strategy options) are the ones
 * the doc states.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC_PATH = path.join(ROOT, 'docs/scenarios.md');
const DOC = readFileSync(DOC_PATH, 'utf8');
const LINES = DOC.split('\n');

interface Block {
  /** 1-based line of the block's first YAML line in the doc. */
  readonly line: number;
  readonly text: string;
}

function yamlBlocks(): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < LINES.length; i++) {
    if (LINES[i]?.trim() !== '```yaml') continue;
    const start = i + 1;
    let end = start;
    while (end < LINES.length && LINES[end]?.trim() !== '```') end++;
    out.push({ line: start + 1, text: LINES.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return out;
}

/** A full scenario: the first line that is not blank or a comment starts with `name:`. */
function isFullScenario(b: Block): boolean {
  const first = b.text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return first !== undefined && first.startsWith('name:');
}

/** The text after `# refused:` on a block's first line (the error it must produce). */
function refusal(b: Block): string | undefined {
  return /^# refused: (.+)$/.exec(b.text.split('\n')[0] ?? '')?.[1]?.trim();
}

/** Trace files or pool sources read from the data root (everything but synthetic and inline agents). */
function needsData(sc: Scenario): boolean {
  if (!Array.isArray(sc.pools)) return true;
  if (sc.trace.kind === 'synthetic') return false;
  return !(sc.trace.kind === 'agents' && (sc.trace as { file?: unknown }).file === undefined);
}

/** Build the run as `drs validate` does and read the first requests (a bad demand fails here). */
async function validateLikeCli(text: string, file: string): Promise<Scenario> {
  const sc = parseScenario(text, file);
  const input = await buildScenario(sc, { file, dataRoot: DATA_ROOT });
  const stream = input.requests();
  let n = 0;
  if (Symbol.asyncIterator in stream) {
    for await (const _r of stream) if (++n >= 20) break;
  } else for (const _r of stream) if (++n >= 20) break;
  return sc;
}

const blocks = yamlBlocks();
const full = blocks.filter(isFullScenario);
const dataPresent = haveData('test/scenario-docs', 'swf/lublin_256.swf.gz', 'swf/SDSC-SP2-1998-4.2-cln.swf.gz', 'timeseries/nab/nyc_taxi.csv', 'gpu-cluster/openb_pod_list_default.csv.gz', 'gpu-cluster/openb_node_list_gpu_node.csv.gz', 'llm-inference/AzureLLMInferenceTrace_conv.csv');

describe('docs/scenarios.md examples are valid scenarios', () => {
  it('has full scenarios to check (the marker did not silently stop matching)', () => {
    expect(full.length).toBeGreaterThanOrEqual(10);
    expect(full.filter((b) => refusal(b) !== undefined).length).toBeGreaterThanOrEqual(2);
  });

  it.each(full.map((b) => [b.line, b] as const))('the scenario at line %i', async (_line, b) => {
    const where = `docs/scenarios.md (yaml block at line ${b.line})`;
    const refused = refusal(b);
    if (refused !== undefined) {
      // Refusals are structural (schema, protocol or build rules): they fail before any data is read.
      const err = await validateLikeCli(b.text, where).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${where} should be refused with "${refused}"`).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain(refused);
      return;
    }
    // Always: the schema, units, protocol and trace-spec rules (no file is read).
    const sc = parseScenario(b.text, where);
    if (needsData(sc) && !dataPresent) return;
    await validateLikeCli(b.text, where);
  });
});

// ---- every accepted key is documented --------------------------------------------------------

type Def = { type: string; [k: string]: unknown };

/** Every object key reachable in a zod schema (through optional, default, pipe, union, array, record). */
function keysOf(root: unknown): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (s: unknown): void => {
    if (s === undefined || seen.has(s)) return;
    seen.add(s);
    const def = (s as { _zod: { def: Def } })._zod.def;
    switch (def.type) {
      case 'object':
        for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
          keys.add(k);
          walk(v);
        }
        break;
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
      case 'catch':
        walk(def.innerType);
        break;
      case 'pipe':
        walk(def.in);
        walk(def.out);
        break;
      case 'union':
        for (const o of def.options as unknown[]) walk(o);
        break;
      case 'array':
        walk(def.element);
        break;
      case 'record':
        walk(def.valueType);
        break;
      default:
        break;
    }
  };
  walk(root);
  return keys;
}

/** The section under the heading that starts with `` `title` `` or `title` (up to the next heading of the same or a higher level). */
function section(title: string): string {
  const t = escape(title);
  const at = LINES.findIndex((l) => new RegExp(`^#{2,4} (\`${t}\`|${t}\\b)`).test(l));
  if (at < 0) throw new Error(`docs/scenarios.md has no heading starting with \`${title}\``);
  const level = /^#+/.exec(LINES[at] as string)?.[0].length ?? 2;
  let end = at + 1;
  while (end < LINES.length && !(/^#+ /.test(LINES[end] as string) && (/^#+/.exec(LINES[end] as string)?.[0].length ?? 9) <= level)) end++;
  return LINES.slice(at, end).join('\n');
}

/** The code in a piece of markdown: inline `spans` and fenced blocks. */
function codeOf(md: string): string {
  const fenced = [...md.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const inline = [...md.replace(/```[a-z]*\n[\s\S]*?```/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return [...fenced, ...inline].join('\n');
}

/**
 * Names in `names` that do not occur as a whole word in the code of `md`: `best-fit` is not found
 * in `best-fit-decreasing`, nor `learned-queue` in `learned-queue:hpc2n`; a key (`keys`) may be
 * followed by a colon (`backfill: easy`).
 */
function missing(names: Iterable<string>, md: string, keys = true): string[] {
  const code = codeOf(md);
  const after = keys ? '[^\\w-]' : '[^\\w:-]';
  return [...names].filter((n) => !new RegExp(`(^|[^\\w:-])${escape(n)}($|${after})`).test(code));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('docs/scenarios.md mentions every key and name the code accepts', () => {
  it('every top-level key of the scenario schema, in the top-level table', () => {
    const top = Object.keys(scenarioSchema.shape);
    expect(top.length).toBeGreaterThanOrEqual(16);
    expect(missing(top, section('Top-level keys')), 'top-level keys missing from the "Top-level keys" table').toEqual([]);
  });

  it("every nested key of the scenario schema, in its key's section", () => {
    // The walker still understands the schema (a zod upgrade that changed `_zod.def` would find nothing).
    expect(keysOf(scenarioSchema).size).toBeGreaterThanOrEqual(40);
    for (const [key, schema] of Object.entries(scenarioSchema.shape)) {
      const nested = keysOf(schema);
      if (nested.size === 0) continue;
      const hasSection = LINES.some((l) => l.startsWith(`## \`${key}\``));
      expect(missing(nested, hasSection ? section(key) : DOC), `keys under '${key}'`).toEqual([]);
    }
    expect(missing(keysOf(alibabaNodesSchema), section('alibaba-nodes')), 'pools: { kind: alibaba-nodes } options').toEqual([]);
  });

  it("every trace kind has a section naming every key of the kind's schema", () => {
    const kinds: [string, unknown][] = [...TRACE_KIND_NAMES.map((k) => [k, TRACE_KINDS[k].schema] as [string, unknown]), ['agents', agentsTraceSchema]];
    // demand-series takes synthetic's request-body fields (requestBodyFields in src/traces/schemas.ts);
    // its section says so and the synthetic section documents them. llm takes azure-llm's serving
    // model and class lists (llm-log.ts), documented in the azure-llm section.
    const shared: Record<string, string> = { 'demand-series': 'synthetic', llm: 'azure-llm' };
    for (const [kind, schema] of kinds) {
      const text = section(kind) + (shared[kind] !== undefined ? `\n${section(shared[kind])}` : '');
      expect(missing(keysOf(schema), text), `trace kind '${kind}'`).toEqual([]);
    }
    expect(missing(kinds.map(([k]) => k), section('trace'), false), 'the kinds table').toEqual([]);
  });

  it('every strategy, queue policy and scaling policy name, with every option key', () => {
    expect(missing(ALLOCATOR_NAMES, section('strategies'), false), 'strategies').toEqual([]);
    expect(missing(QUEUE_POLICY_NAMES, section('queue'), false), 'queue policies').toEqual([]);
    expect(missing(SCALING_POLICY_NAMES, section('scaling'), false), 'scaling policies').toEqual([]);
    for (const [name, e] of Object.entries(ALLOCATORS)) expect(missing(keysOf(e.options), section('strategies')), `options of strategy '${name}'`).toEqual([]);
    for (const [name, e] of Object.entries(QUEUE_POLICIES)) expect(missing(keysOf(e.options), section('queue')), `options of queue policy '${name}'`).toEqual([]);
    for (const [name, e] of Object.entries(SCALING_POLICIES)) expect(missing(keysOf(e.options), section('scaling')), `options of scaling policy '${name}'`).toEqual([]);
  });

  it('every shipped scenario is listed', () => {
    const shipped = readdirSync(path.join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    expect(shipped.length).toBeGreaterThanOrEqual(12);
    expect(missing(shipped, section('Shipped scenarios'), false)).toEqual([]);
    // The README's list is where a first-time user looks (agent-pipeline.yaml was left out of it).
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const list = /^Shipped scenarios \(`scenarios\/`\):[\s\S]*?\n\n/m.exec(readme)?.[0] ?? '';
    expect(list).not.toBe('');
    expect(shipped.filter((f) => !list.includes(`\`${f}\``))).toEqual([]);
  });
});

// ---- every default the schema applies is the one the doc states ---------------------------------

/** The defaults a zod object applies to its keys, as the schema holds them (scalars and lists of scalars). */
function defaultsOf(schema: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let s = schema as { _zod: { def: Def } };
  // Through a pipe or effects to the object (the scenario and the options schemas are objects at heart).
  while (s._zod.def.type === 'pipe') s = s._zod.def.in as typeof s;
  if (s._zod.def.type !== 'object') return out;
  for (const [k, v] of Object.entries(s._zod.def.shape as Record<string, { _zod: { def: Def } }>)) {
    if (v._zod.def.type !== 'default') continue;
    const d = v._zod.def.defaultValue;
    const value: unknown = typeof d === 'function' ? (d as () => unknown)() : d;
    if (typeof value !== 'object' || (Array.isArray(value) && value.every((x) => typeof x !== 'object'))) out.set(k, value);
  }
  return out;
}

/** A default as the doc writes it: `1`, `[cpu, memory, gpu]`, 20,000, `auto`. */
function spellings(v: unknown): string[] {
  if (Array.isArray(v)) return [`[${v.join(', ')}]`];
  if (typeof v === 'number') return [String(v), v.toLocaleString('en-US')];
  return [String(v)];
}

describe('docs/scenarios.md states the defaults the schemas apply', () => {
  it('the default column of the top-level, pools and protocol tables', () => {
    // pools: a list of pools or a pool source; the list is a uniqueList (an array with a check) of pool objects.
    const inner = (x: unknown): { _zod: { def: Def } } => x as { _zod: { def: Def } };
    const poolList = inner((inner(scenarioSchema.shape.pools)._zod.def.options as unknown[])[0]);
    const poolObject = (poolList._zod.def.type === 'pipe' ? inner(poolList._zod.def.in) : poolList)._zod.def.element;
    const checked: [string, unknown][] = [
      ['Top-level keys', scenarioSchema],
      ['pools', poolObject],
      ['protocol', inner(scenarioSchema.shape.protocol)._zod.def.innerType],
    ];
    let count = 0;
    for (const [title, schema] of checked) {
      const md = section(title);
      for (const [key, value] of defaultsOf(schema)) {
        const row = md.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
        expect(row, `${title}: a table row for '${key}'`).toBeDefined();
        const cell = (row as string).split(' | ')[2] ?? '';
        expect(
          spellings(value).some((sp) => cell.includes(`\`${sp}\``)),
          `${title}: '${key}' defaults to ${JSON.stringify(value)}, the table says "${cell}"`,
        ).toBe(true);
        count++;
      }
    }
    // seed, dimensions, decisionBudget, latencyMs, boot, windows, length (queue and labels are objects).
    expect(count).toBeGreaterThanOrEqual(7);
  });

  it("each strategy option's default, in its row of the strategies table", () => {
    const md = section('strategies');
    let count = 0;
    for (const [name, e] of Object.entries(ALLOCATORS)) {
      const defaults = defaultsOf(e.options);
      if (defaults.size === 0) continue;
      const row = md.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `a row for strategy '${name}'`).toBeDefined();
      for (const [key, value] of defaults) {
        // The parenthesis after the option's name: `costWeight` (0..0.99, 0.3).
        const at = (row as string).indexOf(`\`${key}\` (`);
        expect(at, `strategy '${name}': option '${key}' with its range and default in parentheses`).toBeGreaterThanOrEqual(0);
        const paren = (row as string).slice(at).split(')')[0] as string;
        expect(
          spellings(value).some((sp) => new RegExp(`(^|[^\\w.])\`?${escape(sp)}\`?([^\\w.]|$)`).test(paren.slice(key.length + 2))),
          `strategy '${name}': '${key}' defaults to ${JSON.stringify(value)}, the doc says "${paren})"`,
        ).toBe(true);
        count++;
      }
    }
    // ilp 10, genetic 6 (weights is an object), learned 1.
    expect(count).toBeGreaterThanOrEqual(17);
  });
});

