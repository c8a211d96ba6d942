import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UserError } from '../core/errors.js';
import { formatPath } from '../core/plain-issue.js';
import { fieldPath } from '../core/yaml-line.js';
import { buildScenario } from '../scenario/build.js';
import { ADD_FORM, strategyEntry } from '../scenario/cli-strategies.js';
import { validateScenarioObject } from '../scenario/load.js';
import { strategyModelFiles } from '../scenario/models.js';
import type { Scenario } from '../scenario/schema.js';
import { compareStrategies } from '../sim/compare.js';
import type { RunMetrics } from '../sim/metrics.js';
import { traceStatsNotes, type TraceStats } from '../traces/trace-stats.js';
import { resolveTracePath } from '../traces/registry.js';
import { canonicalJson, shownValue } from './canonical.js';
import { codeFingerprint } from './code-version.js';
import { parsePath, setPath, type SweepOrigin, type SweepSpec } from './spec.js';

/** One run of a sweep: a scenario with its axis values set, one strategy, one seed. */
export interface CellSpec {
  /** sha256 of the canonical JSON of (scenario with axis values, strategy, seed, contents of the trace and model files it reads, the code's fingerprint): the results key. */
  readonly hash: string;
  /** The fingerprint of the DRS code that planned the cell (code-version.ts): a queue worker running other code refuses it. */
  readonly code: string;
  /** Axis path → value ({} for a sweep without axes). */
  readonly point: Readonly<Record<string, unknown>>;
  readonly strategy: string;
  readonly seed: number | string;
  /** The scenario as data, axis values set. */
  readonly scenario: Readonly<Record<string, unknown>>;
  /** The scenario file it came from: relative trace paths resolve against its folder. */
  readonly scenarioFile: string;
}

export type CellResult =
  | {
      readonly state: 'completed';
      readonly hash: string;
      readonly point: Readonly<Record<string, unknown>>;
      readonly strategy: string;
      readonly seed: number | string;
      readonly metrics: RunMetrics;
      readonly simulatedSeconds: number;
      /** What reading the trace skipped or adjusted by its rules, when anything (for the sweep's notes). */
      readonly trace?: TraceStats;
    }
  | { readonly state: 'failed'; readonly hash: string; readonly point: Readonly<Record<string, unknown>>; readonly strategy: string; readonly seed: number | string; readonly error: string };

export function cellHash(scenario: unknown, strategy: string, seed: number | string, inputs: Readonly<Record<string, string>> = {}, code = codeFingerprint()): string {
  const files = Object.keys(inputs).length > 0 ? { inputs } : {};
  return createHash('sha256').update(canonicalJson({ format: 1, scenario, strategy, seed, ...files, code })).digest('hex');
}

/** SHA-256 of a file's contents (cached per sweep expansion), or undefined when it cannot be read. */
function fileDigest(file: string, cache: Map<string, string | undefined>): string | undefined {
  if (!cache.has(file)) {
    let d: string | undefined;
    try {
      d = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      d = undefined;
    }
    cache.set(file, d);
  }
  return cache.get(file);
}

/**
 * The files a cell reads besides its scenario, by role: the trace (or agents fleet) file, a pool
 * source file and the strategy's learned models (undefined where the cell has none).
 */
function cellInputFiles(sc: Scenario, models: Partial<Record<'allocator' | 'queue', string>>, dataRoot: string, scenarioFile: string): Record<string, string | undefined> {
  const baseDir = path.dirname(path.resolve(scenarioFile));
  const trace = (sc.trace as { file?: unknown }).file;
  const pools = Array.isArray(sc.pools) ? undefined : (sc.pools as { file?: unknown }).file;
  return {
    // An agents fleet file is the scenario folder's; a trace file follows the trace rules (data root or ./).
    trace: typeof trace !== 'string' ? undefined : sc.trace.kind === 'agents' ? path.resolve(baseDir, trace) : resolveTracePath(trace, dataRoot, baseDir),
    pools: typeof pools === 'string' ? resolveTracePath(pools, dataRoot, baseDir) : undefined,
    'model.allocator': models.allocator,
    'model.queue': models.queue,
  };
}

/**
 * Those files by contents (keyed by role, not path, so the same sweep in another checkout keeps
 * its keys): a changed file is then a new cell, whose cached result is not reused.
 */
function cellInputs(files: Readonly<Record<string, string | undefined>>, cache: Map<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [role, f] of Object.entries(files)) {
    const d = f === undefined ? undefined : fileDigest(f, cache);
    if (d !== undefined) out[role] = d;
  }
  return out;
}

/** `field` of the sweep file, at its line. */
function sweepOrigin(spec: SweepSpec, field: string): SweepOrigin {
  const line = spec.lines?.[field];
  return { file: spec.file, ...(line !== undefined ? { line } : {}), field };
}

/** `a` is the field `b` or inside it (`trace.arrival.rate` is inside `trace`, `pools[0]` inside `pools`). */
const within = (a: string, b: string): boolean => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);

/**
 * A scenario error (no line: the cell's scenario is data) in a field the sweep file sets is the
 * sweep file's: its line and field (`axes.trace.arrival.rate`, `set.horizon`), with the axis
 * value and the scenario field where they say more. The point's axes come first (their values
 * override `set:`), then the last `set:` entry over the field. Any other error is left as it is.
 */
function blameSweepValue(e: unknown, spec: SweepSpec, point: Readonly<Record<string, unknown>>, origins: readonly string[]): unknown {
  if (!(e instanceof UserError) || e.location.field === undefined || e.location.line !== undefined || !origins.includes(e.location.file ?? '')) return e;
  const field = e.location.field;
  const entries = [...Object.keys(point).map((p) => `axes.${p}`), ...Object.keys(spec.lines ?? {}).filter((k) => k.startsWith('set.')).reverse()];
  for (const key of entries) {
    const p = formatPath(parsePath(key.slice(key.indexOf('.') + 1), sweepOrigin(spec, key)));
    if (!within(field, p) && !within(p, field)) continue;
    const axis = key.startsWith('axes.') ? key.slice('axes.'.length) : undefined;
    const context = [...(axis !== undefined ? [`value ${shownValue(point[axis])}`] : []), ...(field !== p ? [`scenario field '${field}'`] : [])];
    return new ConfigError(context.length > 0 ? `${context.join(', ')}: ${e.detail}` : e.detail, sweepOrigin(spec, key));
  }
  return e;
}

/**
 * A validation error in a field the sweep does not set (blameSweepValue found no sweep entry) is
 * the scenario file's, as `drs run` reports it: at the scenario file and field (the CLI adds the
 * field's line), with the sweep and the point after the message. It named the sweep file with the
 * scenario in brackets, and no line. Left as it is when the field is not the scenario file's (a
 * strategy the sweep's `strategies:` added: an item past the file's list).
 */
function scenarioFieldError(e: unknown, spec: SweepSpec, where: string, point: Readonly<Record<string, unknown>>): unknown {
  if (!(e instanceof ConfigError) || e.location.file !== where || e.location.line !== undefined || e.location.field === undefined) return e;
  const at = fieldPath(e.location.field);
  let cur: unknown = spec.base;
  for (const [i, k] of at.entries()) {
    if (typeof k === 'number' && (!Array.isArray(cur) || k >= cur.length)) return e;
    if (i === at.length - 1 || cur === null || typeof cur !== 'object') break;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  const values = Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return new ConfigError(`${e.detail} (in sweep ${spec.file}${values === '' ? '' : ` with ${values}`})`, { file: spec.scenarioFile, field: e.location.field });
}

/**
 * A scenario error in a strategy the sweep's `strategies:` added (an item at `before` or past it
 * in the scenario's list) is the sweep file's: that entry's line and field, with the scenario
 * field after. It named the sweep file with the scenario in brackets, and no line.
 */
function addedStrategyError(e: unknown, spec: SweepSpec, where: string, before: number, added: readonly string[]): unknown {
  if (!(e instanceof ConfigError) || e.location.file !== where || e.location.line !== undefined || e.location.field === undefined) return e;
  const [head, index] = fieldPath(e.location.field);
  if (head !== 'strategies' || typeof index !== 'number' || index < before) return e;
  const entry = spec.strategies?.indexOf(added[index - before] ?? '') ?? -1;
  if (entry < 0) return e;
  const line = spec.lines?.[`strategies[${entry}]`] ?? spec.lines?.strategies;
  return new ConfigError(`scenario field '${e.location.field}': ${e.detail}`, { file: spec.file, ...(line !== undefined ? { line } : {}), field: `strategies[${entry}]` });
}

/**
 * Two points that run one scenario: an axis whose value a later axis overwrites (an axis over
 * `pools[0]` after one over `pools[0].nodes`) changes nothing, and every cell would run twice
 * under two names. Named at the first axis whose values differ between the two points.
 */
function samePointError(spec: SweepSpec, a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): ConfigError {
  const axis = Object.keys(b).find((p) => canonicalJson(a[p]) !== canonicalJson(b[p])) as string;
  const others = Object.entries(b).filter(([p]) => p !== axis);
  const at = others.length > 0 ? ` (at ${others.map(([p, v]) => `${p}=${JSON.stringify(v)}`).join(', ')})` : '';
  return new ConfigError(
    `its values ${JSON.stringify(a[axis])} and ${JSON.stringify(b[axis])} give the same scenario${at}: a later axis sets a field that holds this one, so this axis changes nothing and each cell would run twice; list the axis over the enclosing field first, or drop one of them`,
    sweepOrigin(spec, `axes.${axis}`),
  );
}

/** Every combination of axis values, in file order (the first axis varies slowest). */
export function axisPoints(axes: SweepSpec['axes']): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v) => ({ ...p, [a.path]: v })));
  return points;
}

/**
 * Expand a sweep into cells: point × strategy × seed. Each point's scenario is validated and built
 * (pools, strategy labels) here, so a bad axis value fails before anything runs.
 */
export async function expandCells(spec: SweepSpec, dataRoot: string): Promise<{ cells: CellSpec[]; strategies: string[]; scenarioName: string; inputFiles: string[] }> {
  const cells: CellSpec[] = [];
  const code = codeFingerprint();
  const strategies: string[] = [];
  let scenarioName = '';
  const digests = new Map<string, string | undefined>();
  // Each point's scenario (canonical JSON) → the point: two points of one scenario are one point run twice.
  const scenarios = new Map<string, Readonly<Record<string, unknown>>>();
  const inputFiles: string[] = [];
  for (const point of axisPoints(spec.axes)) {
    let scenario = spec.base;
    for (const [p, v] of Object.entries(point)) scenario = setPath(scenario, parsePath(p, sweepOrigin(spec, `axes.${p}`)), v, sweepOrigin(spec, `axes.${p}`));
    const where = `${spec.file} (scenario ${spec.scenarioFile}${Object.keys(point).length > 0 ? ` with ${Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}` : ''})`;
    const build = async (raw: typeof scenario): Promise<{ sc: Scenario; labels: string[] }> => {
      try {
        const sc = validateScenarioObject(raw, where, path.dirname(path.resolve(spec.scenarioFile)));
        return { sc, labels: (await buildScenario(sc, { file: spec.scenarioFile, dataRoot })).strategies.map((s) => s.label) };
      } catch (e) {
        const blamed = blameSweepValue(e, spec, point, [where, spec.scenarioFile]);
        throw blamed === e ? scenarioFieldError(e, spec, where, point) : blamed;
      }
    };
    let { sc, labels } = await build(scenario);
    let wanted = spec.strategies ?? labels;
    const unknown = wanted.filter((w) => !labels.includes(w));
    if (unknown.length > 0) {
      // A strategy the scenario does not list is added to it, written as its label would be (ALLOCATOR[+preempt][/QUEUE]), as drs run --strategies does.
      const entries = unknown.map((u) => {
        const e = strategyEntry(u);
        if ('raw' in e) return /^learned:.*\.json$/.test(e.raw.name) ? { ...e.raw, name: `learned:${path.resolve(path.dirname(path.resolve(spec.file)), e.raw.name.slice('learned:'.length))}` } : e.raw;
        throw new ConfigError(`strategy '${u}' is not in the scenario (it has: ${labels.join(', ')}) and not a strategy to add: ${e.why}. ${ADD_FORM}`, sweepOrigin(spec, 'strategies'));
      });
      const before = labels.length;
      scenario = { ...scenario, strategies: [...((scenario as { strategies?: unknown[] }).strategies ?? []), ...entries] };
      ({ sc, labels } = await build(scenario).catch((err: unknown) => {
        throw addedStrategyError(err, spec, where, before, unknown);
      }));
      const added = labels.slice(before);
      wanted = wanted.map((w) => (unknown.includes(w) ? (added[unknown.indexOf(w)] as string) : w));
    }
    const key = canonicalJson(scenario);
    const same = scenarios.get(key);
    if (same !== undefined) throw samePointError(spec, same, point);
    scenarios.set(key, point);
    scenarioName = sc.name;
    const models = strategyModelFiles(sc);
    // An axis may change the strategies (`strategies[1]: [worst-fit, best-fit-decreasing]`): all
    // of them, in the order first met; each point is reported with its own.
    for (const s of wanted) if (!strategies.includes(s)) strategies.push(s);
    for (const strategy of wanted) {
      const files = cellInputFiles(sc, models[labels.indexOf(strategy)] ?? {}, dataRoot, spec.scenarioFile);
      for (const f of Object.values(files)) if (f !== undefined && !inputFiles.includes(f)) inputFiles.push(f);
      const inputs = cellInputs(files, digests);
      for (const seed of spec.seeds) cells.push({ hash: cellHash(scenario, strategy, seed, inputs, code), code, point, strategy, seed, scenario, scenarioFile: spec.scenarioFile });
    }
  }
  return { cells, strategies, scenarioName, inputFiles };
}

/**
 * Run one cell: validate and build its scenario, run the one strategy with the cell's seed.
 * A bug inside the strategy is the cell's `failed` result; bad input throws a UserError.
 */
export async function runCell(cell: CellSpec, dataRoot: string): Promise<CellResult> {
  const sc = validateScenarioObject(cell.scenario, cell.scenarioFile, path.dirname(path.resolve(cell.scenarioFile)));
  const input = await buildScenario(sc, { file: cell.scenarioFile, dataRoot, seed: cell.seed });
  const strategy = input.strategies.find((s) => s.label === cell.strategy);
  if (strategy === undefined) throw new ConfigError(`strategy '${cell.strategy}' is not in the scenario`, { file: cell.scenarioFile });
  const res = await compareStrategies({ ...input, strategies: [strategy] });
  const r = res.results[0];
  const head = { hash: cell.hash, point: cell.point, strategy: cell.strategy, seed: cell.seed };
  if (r === undefined) throw new Error('compareStrategies returned no result');
  const stats = input.traceStats?.();
  const changed = stats !== undefined && traceStatsNotes(stats).length > 0;
  switch (r.state) {
    case 'completed':
      return { state: 'completed', ...head, metrics: r.metrics, simulatedSeconds: r.simulatedSeconds, ...(changed ? { trace: stats } : {}) };
    case 'failed':
      return { state: 'failed', ...head, error: r.error };
  }
}
