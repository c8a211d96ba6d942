/**
 * `drs replay-openb PODS --nodes NODES`: the FGD paper's experiment (Weng et al., ATC'23) on the
 * Alibaba openb traces, per policy and seed; see src/sim/openb.ts for the protocol.
 */
import { resolve } from 'node:path';
import { GPU_POLICY_NAMES, type GpuPolicyName, isGpuPolicyName } from '../algorithms/gpu/index.js';
import { eligibleAmong } from '../core/eligibility.js';
import { UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import { ResourceSpace } from '../core/resources.js';
import { escapeHtml } from '../report/charts.js';
import { allocationAt, type OpenbRun, runOpenb } from '../sim/openb.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from '../traces/alibaba-gpu.js';
import { listFlag, numberFlag, parseFlags } from './args.js';
import { checkOutputFolders, saveOutput } from './output.js';
import type { CliCommand, CliIo } from './command.js';

/** Largest --tune: 10 × the cluster's GPUs is far past the table's 130 % and still a list that fits in memory. */
const MAX_TUNE = 10;

const DEFAULT_POLICIES: GpuPolicyName[] = ['random', 'dot-product', 'gpu-clustering', 'gpu-packing', 'best-fit', 'fgd'];

const USAGE = `Usage: drs replay-openb PODS.csv[.gz] --nodes NODES.csv[.gz] [options]

The FGD paper's experiment on an openb pod list: every node of NODES (GPUs as devices), empty at
the start; the pods, ordered by name and shuffled with the seed, inflated with random copies to
130 % of the cluster's GPUs, arrive one at a time and never leave. Prints, per policy, the mean
and standard deviation over the seeds of the GPU allocation ratio (percent) at 80, 100 and 130 %
of the GPU capacity arrived. A seed has no value at a point when no arrival lands within 1 point
of it (the workload never reaches it, or one pod's arrival jumps past it); the mean and sd are
then over the seeds that have one, shown as "(k of n)", and the table's footer says why.

Options:
  --nodes FILE        openb node list (required)
  --policies LIST     comma-separated, from ${GPU_POLICY_NAMES.join(',')}
                      (default: ${DEFAULT_POLICIES.join(',')})
  --seeds LIST        seeds, e.g. 42-51 or 1,2,5-7 (default 42-51)
  --tune R            inflate the workload to R × the cluster's GPUs (0.01 to ${MAX_TUNE}, default 1.3)
  --json              one JSON object {"pods","nodes","seeds","results":[{"policy",
                      "allocation":{"80","100","130"},"sd":{...},"seedsWithValue":{...}}],
                      "noValue":[{"seed","point","reason"}],"neverFits":[{"pod","reason"}]}
                      (percent); allocation and sd are over the seedsWithValue seeds that have
                      a value (null: none has); noValue lists the others, reason
                      "never-reached" or "jumped-past"; neverFits: pods no node holds even
                      in the empty cluster (never placed)
  --html FILE         also write a chart: allocation ratio against arrived workload, one line per policy
  --quiet             no progress lines (by default stderr gets one line per policy and seed as
                      each run ends, with its values at 80, 100 and 130 %)
  -h, --help          this text`;

/** The most seeds one range (`a-b`) may hold: a slip such as 1-100000 would run for days. */
const MAX_RANGE = 10_001;

/** `--seeds`: seeds and ranges, e.g. 42-51 or 1,2,5-7 (each seed once). */
export function parseSeeds(spec: string): number[] {
  const out: number[] = [];
  for (const part of listFlag(spec, 'seeds', '--seeds')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw new UserError(`'${part}' is not a seed or a range like 42-51`, { field: '--seeds' });
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UserError(`seed range '${part}' runs backwards: write the lower seed first, e.g. ${b}-${a}`, { field: '--seeds' });
    if (b - a > MAX_RANGE - 1) throw new UserError(`seed range '${part}' holds ${b - a + 1} seeds; a range holds at most ${MAX_RANGE} (each seed is one run of every policy)`, { field: '--seeds' });
    if (!Number.isSafeInteger(b)) throw new UserError(`seed '${part}' is beyond ${Number.MAX_SAFE_INTEGER} (it would be rounded)`, { field: '--seeds' });
    for (let s = a; s <= b; s++) out.push(s);
  }
  if (out.length === 0) throw new UserError('needs at least one seed', { field: '--seeds' });
  // A seed given twice (1,1 or overlapping ranges) would be one run counted once: say so.
  const again = out.find((s, i) => out.indexOf(s) !== i);
  if (again !== undefined) throw new UserError(`seed ${again} is listed twice in '${spec}' (each seed is one run)`, { field: '--seeds' });
  return out;
}

function parsePolicies(list: string | undefined): GpuPolicyName[] {
  if (list === undefined) return DEFAULT_POLICIES;
  const names = listFlag(list, 'policies', '--policies');
  if (names.length === 0) throw new UserError('needs at least one policy', { field: '--policies' });
  for (const n of names) if (!isGpuPolicyName(n)) throw new UserError(`unknown policy '${n}'; choose from ${GPU_POLICY_NAMES.join(', ')}`, { field: '--policies' });
  // As a sweep refuses a repeated strategy: `fgd,fgd` would run fgd once and compare it with nothing.
  const again = names.find((n, i) => names.indexOf(n) !== i);
  if (again !== undefined) throw new UserError(`policy '${again}' is listed twice (it would be compared with itself)`, { field: '--policies' });
  return names as GpuPolicyName[];
}

const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
/** Sample standard deviation (n − 1), 0 for one value. */
const sd = (v: readonly number[]): number => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
};
const r2 = (x: number): number => Math.round(x * 100) / 100;

const POINTS = ['80', '100', '130'] as const;
type Point = (typeof POINTS)[number];

/**
 * Why a seed has no value at a point (allocationAt found no arrival within 1 point of it): the
 * arrived workload ends below the point, or it reaches the point but one arrival jumps past the
 * ±1 window. Arrivals depend on the seed only, not on the policy.
 */
type NoValueReason = 'never-reached' | 'jumped-past';
function noValueReason(run: Pick<OpenbRun, 'arrived' | 'totalGpuMilli'>, point: number): NoValueReason {
  const last = run.arrived.length === 0 ? 0 : (run.arrived[run.arrived.length - 1] as number);
  return (last / run.totalGpuMilli) * 100 < point ? 'never-reached' : 'jumped-past';
}

/** Mean and sd over the values that exist (NaN: none does), and how many there are. */
function overSeeds(v: readonly number[]): { mean: number; sd: number; seeds: number } {
  const ok = v.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? { mean: NaN, sd: NaN, seeds: 0 } : { mean: r2(mean(ok)), sd: r2(sd(ok)), seeds: ok.length };
}

interface PolicyResult {
  policy: GpuPolicyName;
  allocation: Record<Point, number>;
  sd: Record<Point, number>;
  /** How many seeds have a value at each point (the mean and sd are over those). */
  seedsWithValue: Record<Point, number>;
  /** Mean allocation at each whole percent arrived 0..130 (for the chart). */
  curve: number[];
  seconds: number;
}

function chartHtml(title: string, results: readonly PolicyResult[]): string {
  const W = 760;
  const H = 420;
  const x = (a: number) => 50 + (a / 130) * (W - 70);
  const y = (v: number) => H - 40 - (v / 100) * (H - 70);
  const colors = ['#888', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#d62728', '#17becf', '#8c564b'];
  const lines = results.map((r, i) => {
    const pts = r.curve.map((v, a) => (Number.isFinite(v) ? `${x(a).toFixed(1)},${y(v).toFixed(1)}` : '')).filter((s) => s !== '');
    const c = colors[i % colors.length];
    return `<polyline fill="none" stroke="${c}" stroke-width="1.6" points="${pts.join(' ')}"/><text x="${W - 150}" y="${30 + 16 * i}" fill="${c}" font-size="12">${r.policy} (${Number.isNaN(r.allocation['130']) ? '—' : r.allocation['130']} %)</text>`;
  });
  const ticks = [0, 20, 40, 60, 80, 100, 120, 130].map((a) => `<text x="${x(a)}" y="${H - 22}" font-size="11" text-anchor="middle">${a}</text>`);
  const yt = [0, 20, 40, 60, 80, 100].map((v) => `<text x="42" y="${y(v) + 4}" font-size="11" text-anchor="end">${v}</text><line x1="50" x2="${W - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
  const t = escapeHtml(title); // holds the pod list's path, which may contain <, & or quotes
  return `<!doctype html><meta charset="utf-8"><title>${t}</title><h3 style="font-family:sans-serif">${t}</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">${yt.join('')}${ticks.join('')}
<text x="${W / 2}" y="${H - 4}" font-size="12" text-anchor="middle">arrived GPU request, % of cluster GPUs</text>
<text x="12" y="${H / 2}" font-size="12" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">GPU allocation ratio, %</text>${lines.join('')}</svg>`;
}

export const replayOpenbCommand: CliCommand = {
  name: 'replay-openb',
  summary: "the FGD paper's GPU-sharing experiment on the Alibaba openb traces (allocation ratio per policy)",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseFlags(
      argv,
      { nodes: { type: 'string' }, policies: { type: 'string' }, seeds: { type: 'string' }, tune: { type: 'string' }, json: { type: 'boolean' }, html: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      USAGE,
    );
    if (values.help === true) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expects one pod list, got ${positionals.length}\n${USAGE}`);
    if (values.nodes === undefined) throw new UserError(`--nodes is required\n${USAGE}`, { field: '--nodes' });
    const policies = parsePolicies(values.policies);
    const seeds = parseSeeds(values.seeds ?? '42-51');
    const tune = numberFlag(values.tune, 'tune', { min: 0.01 }) ?? 1.3;
    // Pods never leave and the table stops at 130 %: a larger target only builds a list of
    // millions of copies (--tune 1e9 ran out of memory).
    if (tune > MAX_TUNE) throw new UserError(`--tune expects a number between 0.01 and ${MAX_TUNE} (× the cluster's GPUs), got '${values.tune}'`);
    const podsFile = resolve(io.cwd, positionals[0] as string);
    const nodesFile = resolve(io.cwd, values.nodes);
    const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
    // The chart must not replace the pod or node list it is drawn from.
    checkOutputFolders(io, { html: values.html }, [podsFile, nodesFile]);
    const pools = await readAlibabaNodePools(nodesFile, { space });
    const gpus = pools.reduce((s, p) => s + (p.capacity[space.indexOf('gpu')] ?? 0) * p.nodes.initial, 0);
    if (!(gpus > 0)) throw new UserError('the node list has no GPUs: the allocation ratio is a share of the cluster\'s GPU capacity', { file: nodesFile });
    const pods: Request[] = [];
    // The reader refuses a pod name listed twice (names identify allocations) and a list with no pod, at their lines.
    for await (const r of readAlibabaPodRequests(podsFile, { space, pools, staticDuration: 1, noDeletion: 1, nonPositive: 'clamp' })) pods.push(r);
    // The x axis is the arrived GPU request: without a GPU pod it stays at 0 (and tuning, which
    // copies pods until the GPU request reaches the target, would never end).
    if (!pods.some((r) => (r.demand[space.indexOf('gpu')] ?? 0) > 0)) {
      throw new UserError(`none of the ${pods.length} pods asks for a GPU: the experiment measures GPU allocation against the arrived GPU request`, { file: podsFile });
    }
    const nodes = pools.reduce((s, p) => s + p.nodes.initial, 0);
    // A pod no node holds even in the empty cluster (16 GPUs against 8-GPU nodes, more CPU than any
    // node) arrives, counts in the arrived GPU request and is never placed, as the protocol says:
    // it lowers every policy's ratio alike, so the report names it instead of leaving it unsaid.
    const neverFits = pods.flatMap((r) => {
      const e = eligibleAmong(pools, space, r);
      return 'rejection' in e ? [{ pod: r.id, reason: e.rejection.message }] : [];
    });

    const results: PolicyResult[] = [];
    const noValue = new Map<string, { seed: number; point: Point; reason: NoValueReason }>();
    for (const policy of policies) {
      const at: Record<string, number[]> = { '80': [], '100': [], '130': [] };
      const curves: number[][] = [];
      const t0 = performance.now();
      for (const seed of seeds) {
        const run = runOpenb({ space, pools, pods, policy, seed, tune });
        for (const p of POINTS) {
          const v = allocationAt(run, Number(p));
          (at[p] as number[]).push(v);
          if (Number.isNaN(v) && !noValue.has(`${seed}|${p}`)) noValue.set(`${seed}|${p}`, { seed, point: p, reason: noValueReason(run, Number(p)) });
        }
        curves.push(Array.from({ length: 131 }, (_, a) => allocationAt(run, a)));
        if (values.quiet !== true) io.err(`${policy} seed ${seed}: ${POINTS.map((p) => `${p}%→${Number.isNaN((at[p] as number[]).at(-1)) ? '—' : (at[p] as number[]).at(-1)}`).join(' ')}\n`);
      }
      const seconds = (performance.now() - t0) / 1000;
      const stats = POINTS.map((p) => [p, overSeeds(at[p] as number[])] as const);
      const pick = (k: 'mean' | 'sd' | 'seeds') => Object.fromEntries(stats.map(([p, st]) => [p, st[k]])) as Record<Point, number>;
      const curve = Array.from({ length: 131 }, (_, a) => overSeeds(curves.map((c) => c[a] as number)).mean);
      results.push({ policy, allocation: pick('mean'), sd: pick('sd'), seedsWithValue: pick('seeds'), curve, seconds });
    }

    await saveOutput(io, 'html', values.html, () => chartHtml(`GPU allocation ratio, ${positionals[0]}`, results));
    const missing = [...noValue.values()].sort((a, b) => POINTS.indexOf(a.point) - POINTS.indexOf(b.point) || seeds.indexOf(a.seed) - seeds.indexOf(b.seed));
    if (values.json === true) {
      const orNull = (r: Record<Point, number>) => Object.fromEntries(POINTS.map((p) => [p, Number.isNaN(r[p]) ? null : r[p]]));
      const rows = results.map((r) => ({ policy: r.policy, allocation: orNull(r.allocation), sd: orNull(r.sd), seedsWithValue: r.seedsWithValue }));
      io.out(JSON.stringify({ pods: positionals[0], nodes: values.nodes, seeds, results: rows, noValue: missing, neverFits }, null, 2));
      return 0;
    }
    io.out(`${pods.length} pods on ${nodes} nodes, seeds ${seeds.join(',')}: GPU allocation ratio, % (mean ± sd)`);
    // The sd of one value is '—'; a point some seeds lack shows over how many seeds it is; none: '—'.
    const cell = (r: PolicyResult, p: Point): string => {
      const k = r.seedsWithValue[p];
      if (k === 0) return '—';
      return `${r.allocation[p].toFixed(2)} ± ${k < 2 ? '—' : r.sd[p].toFixed(2)}${k < seeds.length ? ` (${k} of ${seeds.length})` : ''}`;
    };
    const cells = results.map((r) => POINTS.map((p) => cell(r, p)));
    const width = Math.max(18, ...cells.flat().map((c) => c.length + 2));
    io.out(`${'policy'.padEnd(16)}${POINTS.map((p) => `${p}% arrived`.padStart(width)).join('')}   s/run`);
    results.forEach((r, i) => io.out(`${r.policy.padEnd(16)}${(cells[i] ?? []).map((c) => c.padStart(width)).join('')}   ${(r.seconds / seeds.length).toFixed(1)}`));
    if (neverFits.length > 0) {
      const shown = neverFits.slice(0, 3).map((n) => `${n.pod} (${n.reason})`).join('; ');
      io.out(`${neverFits.length} pod(s) fit no node even in the empty cluster: they arrive, count in the arrived GPU request and are never placed: ${shown}${neverFits.length > 3 ? `; ${neverFits.length - 3} more (--json lists them)` : ''}`);
    }
    if (missing.length > 0) {
      const why: Record<NoValueReason, string> = {
        'never-reached': `the workload (--tune ${tune} × the cluster's GPUs) never reaches that point`,
        'jumped-past': "one pod's arrival jumps past that point (no arrival lands within 1 point of it)",
      };
      for (const p of POINTS) {
        for (const reason of ['never-reached', 'jumped-past'] as const) {
          const list = missing.filter((m) => m.point === p && m.reason === reason).map((m) => m.seed);
          if (list.length > 0) io.out(`no value at ${p}% arrived for seed${list.length > 1 ? 's' : ''} ${list.join(', ')}: ${why[reason]}`);
        }
      }
      const notes = [];
      if (cells.flat().some((c) => c.endsWith(` of ${seeds.length})`))) notes.push(`(k of ${seeds.length}): mean ± sd over the k seeds that have a value`);
      if (cells.flat().includes('—')) notes.push('— : no seed has a value there');
      if (notes.length > 0) io.out(notes.join('; '));
    }
    return 0;
  },
};
