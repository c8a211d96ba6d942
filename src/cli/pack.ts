/**
 * `drs pack FILE`: offline bin packing of OR-Library, BPPLIB or DRS vector files with FFD, BFD,
 * the GA and the exact arc-flow ILP, side by side against the lower bound.
 */
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { moduleBeside } from '../core/thread.js';
import type { PackResult, PackStrategyName, PackingInstance } from '../packing/index.js';
import { ILP_GA_GENERATIONS, PACK_STRATEGIES, PACK_STRATEGY_NAMES, isPackStrategyName, lowerBound, runPackStrategy, threadSolver } from '../packing/index.js';
import type { PackingFormat } from '../traces/bin-packing.js';
import { PACKING_FORMATS, readPackingFile } from '../traces/bin-packing.js';
import { listFlag, parseFlags, refuseRepeats } from './args.js';
import type { CliCommand, CliIo } from './command.js';

const USAGE = `Usage: drs pack FILE [options]

Packs the items of FILE into as few bins as possible with each strategy and prints, per
instance, the bins used, the lower bound max(L1, L2), the seconds and the status of each.

FILE formats (detected from the content unless --format is given; a gzip-compressed FILE is
read decompressed, whatever its name):
  orlib    OR-Library binpack*.txt: instance count, then per instance a name line,
           'capacity n bestKnown', and n sizes (one per line)
  bpplib   BPPLIB one-instance .txt: item count, capacity, then one size per line; or its CSP
           form: item type count, capacity, then one 'size demand' line per type
  vector   DRS multi-dimensional: first line 'd C_1 ... C_d', then one item 'w_1 ... w_d'
           per line ('#' starts a comment)

Options:
  --instance NAME     only this instance of a multi-instance file
  --strategies LIST   comma-separated subset of ${PACK_STRATEGY_NAMES.join(',')} (default: all)
  --time-limit S      wall-clock budget in seconds of ga and of ilp, each, on each instance (default:
                      ga 5, ilp 60; ffd and bfd take none): a file of N instances can take about
                      2 x N x S. The ILP's incumbent search, graph and model building and solver
                      loading count against it (a solve the setup used up does not start); HiGHS
                      runs on a thread that is stopped 0.1 s past the limit if it has not answered,
                      and the ILP then reports its incumbent ("feasible, time limit")
  --seed N            seed for the GA and the ILP's incumbent search (default 0)
  --generations N     the GA stops after N generations (or at the lower bound), with no time limit
                      unless --time-limit is given: its bins then depend on the file and seed only
  --max-nodes N       the ILP stops after N branch-and-bound nodes (HiGHS mip_max_nodes), with no
                      time limit unless --time-limit is given; its incumbent GA runs --generations
                      (default ${ILP_GA_GENERATIONS}) generations: its result then depends on the file and
                      seed only ("feasible", stoppedBy "work", when the nodes ran out before a proof)
  --format F          ${PACKING_FORMATS.join(' | ')}
  --json              JSON: one object {"instance","capacity","items","lowerBound","seed","results":
                      [{"strategy","bins","seconds","status","stoppedBy","proof"?,"message"?}]} per instance
                      ("message": why a strategy ended in error); a file
                      with several instances (and no --instance) prints a JSON array of them;
                      "seed" is null when no strategy run draws random numbers (only ga and ilp do)
  --no-timings        leave out the seconds (wall clock, different on every run): the output is then
                      the same bytes for the same file and seed, unless a time limit stopped the GA
                      or the ILP ("time limit", stoppedBy "wall": how far it got depends on the machine;
                      --generations gives the GA, --max-nodes the ILP a stop that does not)
  -h, --help          this text

Status: optimal (proved; "proof" says by the lower bound or by the ILP solver), feasible (not
proved: a heuristic, or the time limit stopped the GA or ILP, shown as "feasible, time limit", or
their --generations or --max-nodes budget, stoppedBy "work", shown as "feasible, generation limit" or
"feasible, node limit"), error (solver failed).
Exit code 1 when any strategy ended in error.`;

interface PackJson {
  instance: string;
  capacity: number | number[];
  items: number;
  lowerBound: number;
  /** The seed of the GA (and of the ILP's incumbent search); null when neither ran. */
  seed: number | null;
  results: { strategy: PackStrategyName; bins: number; seconds?: number; status: string; stoppedBy: string; proof?: string; message?: string }[];
}

/**
 * HiGHS on a worker thread, terminated at the ILP's time limit: HiGHS checks its own limit only at
 * checkpoints, and some phases of its root node have none (docs/packing.md, "Known limits").
 */
const HIGHS_THREAD = { name: 'highs', url: moduleBeside(import.meta.url, '../algorithms/solvers/highs'), exportName: 'highsSolver', prepare: 'prepareHighs' } as const;

function parseStrategies(list: string | undefined): PackStrategyName[] {
  if (list === undefined) return [...PACK_STRATEGY_NAMES];
  const names = listFlag(list, 'strategies', '--strategies');
  if (names.length === 0) throw new UserError('--strategies needs at least one name', { field: '--strategies' });
  for (const n of names) {
    if (!isPackStrategyName(n)) throw new UserError(`unknown strategy '${n}'; choose from ${PACK_STRATEGY_NAMES.join(', ')}`, { field: '--strategies' });
  }
  refuseRepeats(names, 'strategies', 'each strategy runs once', '--strategies');
  return names as PackStrategyName[];
}

function parsePositive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || v <= 0) throw new UserError(`${flag} must be a positive number of seconds, got '${value}'`, { field: flag });
  return v;
}

function parseSeed(value: string | undefined): number {
  if (value === undefined) return 0;
  const v = value.trim() === '' ? NaN : Number(value); // Number('') is 0
  if (!Number.isSafeInteger(v)) throw new UserError(`--seed must be an integer, got '${value}'`, { field: '--seed' });
  return v;
}

function parseGenerations(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim() === '' ? NaN : Number(value);
  if (!(Number.isSafeInteger(v) && v > 0)) throw new UserError(`--generations must be a whole number of generations > 0, got '${value}'`, { field: '--generations' });
  return v;
}

function parseMaxNodes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim() === '' ? NaN : Number(value);
  if (!(Number.isSafeInteger(v) && v >= 0)) throw new UserError(`--max-nodes must be a whole number of branch-and-bound nodes ≥ 0, got '${value}'`, { field: '--max-nodes' });
  return v;
}

function parseFormat(value: string | undefined): PackingFormat | undefined {
  if (value === undefined) return undefined;
  if (!(PACKING_FORMATS as readonly string[]).includes(value)) {
    throw new UserError(`unknown format '${value}'; choose from ${PACKING_FORMATS.join(', ')}`, { field: '--format' });
  }
  return value as PackingFormat;
}

/** Capacity in the file's own units (undoing the integer scaling). */
function fileCapacity(inst: PackingInstance): number | number[] {
  const caps = inst.capacity.map((c, k) => c / (inst.scale[k] ?? 1));
  return caps.length === 1 ? (caps[0] ?? 0) : caps;
}

/** What the output shows besides the packings: the seed (null when unused) and whether wall-clock seconds are shown. */
interface Shown {
  readonly seed: number | null;
  readonly timings: boolean;
}

function toJson(inst: PackingInstance, lb: number, results: readonly PackResult[], shown: Shown): PackJson {
  return {
    instance: inst.name,
    capacity: fileCapacity(inst),
    items: inst.n,
    lowerBound: lb,
    seed: shown.seed,
    results: results.map((r) => ({
      strategy: r.strategy,
      bins: r.bins,
      ...(shown.timings ? { seconds: Number(r.seconds.toFixed(3)) } : {}),
      status: r.status,
      stoppedBy: r.stoppedBy,
      ...(r.proof === undefined ? {} : { proof: r.proof }),
      // Why a strategy failed: the table prints it after the status; here it is the only word of it.
      ...(r.status === 'error' && typeof r.detail['message'] === 'string' ? { message: r.detail['message'] } : {}),
    })),
  };
}

function table(inst: PackingInstance, lb: number, results: readonly PackResult[], shown: Shown): string {
  const cap = fileCapacity(inst);
  const lines = [`${inst.name}: ${inst.n} items, capacity ${Array.isArray(cap) ? cap.join(' x ') : cap}, lower bound ${lb}${shown.seed === null ? '' : `, seed ${shown.seed}`}`];
  lines.push(`  ${'strategy'.padEnd(9)}${'bins'.padStart(6)}${shown.timings ? 'seconds'.padStart(10) : ''}  status`);
  for (const r of results) {
    // A budget that stopped the search is named: a time limit (wall clock), or the deterministic budget (--generations, --max-nodes).
    const budget = r.stoppedBy === 'wall' ? ', time limit' : r.stoppedBy === 'work' ? (r.strategy === 'ilp' ? ', node limit' : ', generation limit') : '';
    const status = r.proof !== undefined ? `${r.status} (${r.proof})` : `${r.status}${budget}`;
    const note = r.status === 'error' && typeof r.detail['message'] === 'string' ? `: ${r.detail['message']}` : '';
    lines.push(`  ${r.strategy.padEnd(9)}${String(r.bins).padStart(6)}${shown.timings ? r.seconds.toFixed(3).padStart(10) : ''}  ${status}${note}`);
  }
  return lines.join('\n');
}

export const packCommand: CliCommand = {
  name: 'pack',
  summary: 'Offline bin packing (OR-Library, BPPLIB, vector files) with FFD, BFD, GA and arc-flow ILP',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const parsed = parseFlags(
      argv,
      {
        instance: { type: 'string' },
        strategies: { type: 'string' },
        'time-limit': { type: 'string' },
        seed: { type: 'string' },
        generations: { type: 'string' },
        'max-nodes': { type: 'string' },
        format: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-timings': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      USAGE,
    );
    const { values, positionals } = parsed;
    if (values.help === true) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expected exactly one FILE, got ${positionals.length}\n${USAGE}`);
    const strategies = parseStrategies(values.strategies);
    const timeLimit = parsePositive(values['time-limit'], '--time-limit');
    const seed = parseSeed(values.seed);
    const generations = parseGenerations(values.generations);
    const maxNodes = parseMaxNodes(values['max-nodes']);
    const file = resolve(io.cwd, positionals[0] ?? '');
    let instances = await readPackingFile(file, parseFormat(values.format));
    if (values.instance !== undefined) {
      const wanted = values.instance;
      instances = instances.filter((i) => i.name === wanted);
      if (instances.length === 0) throw new UserError(`no instance named '${wanted}' in ${file}`, { file, field: '--instance' });
    }
    const single = instances.length === 1;
    // The seed is part of the result when a strategy drew random numbers; seconds are wall clock, left out with --no-timings.
    const shown: Shown = { seed: strategies.some((s) => PACK_STRATEGIES[s].seeded) ? seed : null, timings: values['no-timings'] !== true };
    const json: PackJson[] = [];
    let failed = false;
    const solver = threadSolver(HIGHS_THREAD);
    try {
      for (const inst of instances) {
        const lb = lowerBound(inst);
        const results: PackResult[] = [];
        for (const s of strategies) {
          const r = await runPackStrategy(s, inst, { seed, solver, ...(timeLimit === undefined ? {} : { timeLimitSeconds: timeLimit }), ...(generations === undefined ? {} : { generations }), ...(maxNodes === undefined ? {} : { maxNodes }) });
          if (r.status === 'error') failed = true;
          results.push(r);
        }
        if (values.json === true) json.push(toJson(inst, lb, results, shown));
        else io.out(table(inst, lb, results, shown));
      }
    } finally {
      await solver.close();
    }
    if (values.json === true) io.out(JSON.stringify(single ? json[0] : json, null, 2));
    return failed ? 1 : 0;
  },
};
