import { gammaln } from 'simple-statistics';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/**
 * The Lublin–Feitelson model of rigid parallel jobs (U. Lublin and D. G. Feitelson, "The workload
 * on parallel supercomputers: modeling the characteristics of rigid jobs", JPDC 63(11), 2003), as
 * its authors' generator `lublin99.c` draws it; written here from the model's description and
 * the generator's published constants. It is the model the Lublin-1 log of the RLScheduler
 * reference (`lublin_256.swf`) was drawn from, and the standard synthetic HPC workload.
 *
 * Per job of a class (interactive, batch, or the one-class "typeless" model):
 *
 * - **Size** (processors): serial with probability `serialProb`; otherwise x = log2(size) comes
 *   from a two-stage uniform (U(uLow, uMed) with probability `uProb`, else U(uMed, uHi)), rounded
 *   to a whole power of two when the same uniform that decided "serial" is below serialProb +
 *   pow2Prob; size = round(2^x), at most the machine.
 * - **Run time**: ln(seconds) is hyper-gamma: Gamma(a1, b1) with probability p = pa·size + pb
 *   (clamped to [0, 1]; larger jobs run longer), else Gamma(a2, b2) (shape, scale); a draw above
 *   12 is redrawn; run = ⌊e^h⌋ seconds.
 * - **Arrivals**: ln(inter-arrival seconds at the busiest time) is Gamma(aarr, barr) (a draw above
 *   13 is redrawn). The day has 48 half-hour buckets with weights w_b (mean 1) from the
 *   Gamma(anum, bnum) density over a shifted day; an inter-arrival of g seconds spends g / 1800
 *   "points", and a bucket of weight w takes w points per 1800 s, so busy buckets see more
 *   arrivals. The position inside the current bucket carries from one arrival to the next.
 * - With two classes, each has its own arrival stream; the next job is the earlier stream's
 *   (interactive on a tie).
 *
 * The defaults are the generator's for a 128-node machine. For another machine of N nodes, uHi =
 * log2 N, and uMed moves with it (uHi − 2.5 in the one-class model, the generator's own rule;
 * in the two-class model both classes move by log2 N − 7, so interactive jobs stay smaller, at
 * most about N / 2.8, as in the generator's defaults). The size distribution needs uLow ≤ uMed:
 * at least 10 nodes for one class, 32 for two. The generator's published output for N = 256 is
 * one class ("typeless"), which is the default here.
 */
export interface Lublin99Class {
  readonly serialProb: number;
  readonly pow2Prob: number;
  readonly uLow: number;
  readonly uMed: number;
  readonly uHi: number;
  readonly uProb: number;
  readonly a1: number;
  readonly b1: number;
  readonly a2: number;
  readonly b2: number;
  readonly pa: number;
  readonly pb: number;
  /** Shape of ln(inter-arrival), the rush-to-all ratio already applied. */
  readonly aarr: number;
  readonly barr: number;
  readonly anum: number;
  readonly bnum: number;
}

// The generator's constants (128 nodes). aarr = AARR × ARAR: 10.2303 × 1.0225, 6.5510 × 0.9797, 6.0415 × 1.0519.
export const LUBLIN99_TYPELESS: Lublin99Class = {
  serialProb: 0.244, pow2Prob: 0.576, uLow: 0.8, uMed: 4.5, uHi: 7, uProb: 0.86,
  a1: 4.2, b1: 0.94, a2: 312, b2: 0.03, pa: -0.0054, pb: 0.78,
  aarr: 10.2303 * 1.0225, barr: 0.4871, anum: 8.1737, bnum: 3.9631,
};
export const LUBLIN99_INTERACTIVE: Lublin99Class = {
  serialProb: 0.1541, pow2Prob: 0.625, uLow: 1, uMed: 3, uHi: 5.5, uProb: 0.705,
  a1: 3.8351, b1: 0.6605, a2: 7.073, b2: 0.6856, pa: -0.0118, pb: 0.9156,
  aarr: 6.551 * 0.9797, barr: 0.6621, anum: 8.9186, bnum: 3.668,
};
export const LUBLIN99_BATCH: Lublin99Class = {
  serialProb: 0.2927, pow2Prob: 0.6686, uLow: 1.2, uMed: 5, uHi: 7, uProb: 0.875,
  a1: 6.57, b1: 0.823, a2: 639.1, b2: 0.0156, pa: -0.003, pb: 0.6986,
  aarr: 6.0415 * 1.0519, barr: 0.8531, anum: 6.1271, bnum: 5.274,
};

const BUCKETS = 48;
const BUCKET_SECONDS = 1800;
/** The daily-cycle density is read from this bucket on (the generator's CYCLIC_DAY_START). */
const CYCLE_START = 11;
const MAX_LN_RUN = 12;
const MAX_LN_GAP = 13;

export interface Lublin99Options {
  readonly jobs: number;
  /** Processors of the machine (one per node). */
  readonly nodes: number;
  readonly seed: string | number;
  /** Two classes (interactive and batch) instead of the one-class model. */
  readonly typed?: boolean;
  /** Hour of day at time 0 (default 0, midnight). */
  readonly startHour?: number;
}

export interface Lublin99Job {
  /** 1-based. */
  readonly id: number;
  readonly submit: number;
  readonly run: number;
  readonly procs: number;
  /** 0 interactive (and the one-class model), 1 batch: SWF field 15 (queue), as the generator writes it. */
  readonly queue: 0 | 1;
}

/** Smallest machine the size distribution holds for (uLow ≤ uMed), one class and two. */
export const LUBLIN99_MIN_NODES = { typeless: 10, typed: 32 } as const;
/** Largest machine: sizes stay exact integers in an SWF file. */
export const LUBLIN99_MAX_NODES = 2 ** 24;

/** The classes for a machine of `nodes`, per the rules above. */
export function lublin99Classes(nodes: number, typed: boolean): Lublin99Class[] {
  const uHi = Math.log2(nodes);
  if (!typed) return [{ ...LUBLIN99_TYPELESS, uHi, uMed: uHi - 2.5 }];
  const shift = uHi - LUBLIN99_BATCH.uHi;
  return [LUBLIN99_INTERACTIVE, LUBLIN99_BATCH].map((c) => ({ ...c, uHi: c.uHi + shift, uMed: c.uMed + shift }));
}

/** Gamma(shape, scale) density integrated over [lo, hi] (Simpson's rule, 200 panels; the density is smooth there). */
function gammaMass(shape: number, scale: number, lo: number, hi: number): number {
  const lnNorm = gammaln(shape) + shape * Math.log(scale);
  const pdf = (x: number): number => (x <= 0 ? 0 : Math.exp((shape - 1) * Math.log(x) - x / scale - lnNorm));
  const n = 200;
  const h = (hi - lo) / n;
  let s = pdf(lo) + pdf(hi);
  for (let k = 1; k < n; k++) s += (k % 2 === 1 ? 4 : 2) * pdf(lo + k * h);
  return (s * h) / 3;
}

/**
 * The 48 half-hour weights of a class's daily cycle, mean 1: bucket (i − 1) mod 48 gets the
 * Gamma(anum, bnum) mass of [i − ½, i + ½] for i = 11 … 58, so the quietest bucket is near 05:00 and
 * the busiest near 13:30.
 */
export function lublin99DayWeights(c: Pick<Lublin99Class, 'anum' | 'bnum'>): number[] {
  const w = new Array<number>(BUCKETS).fill(0);
  for (let i = CYCLE_START; i < CYCLE_START + BUCKETS; i++) w[(i - 1) % BUCKETS] = gammaMass(c.anum, c.bnum, i - 0.5, i + 0.5);
  const mean = w.reduce((a, b) => a + b, 0) / BUCKETS;
  return w.map((x) => x / mean);
}

/** One class's arrival stream: the time of its next job, and where in the day's buckets it stands. */
class ArrivalStream {
  private readonly weights: number[];
  private bucket: number;
  private points = 0;
  private used = 0;
  /** Exact time of the next job; `next` is its whole second. */
  private exact = 0;
  next = 0;

  constructor(
    private readonly c: Lublin99Class,
    private readonly rng: Rng,
    startHour: number,
  ) {
    this.weights = lublin99DayWeights(c);
    this.bucket = Math.floor((startHour * BUCKETS) / 24) % BUCKETS;
    this.advance();
  }

  /** Move `next` on by one inter-arrival. */
  advance(): void {
    let g: number;
    do g = this.rng.gamma(this.c.aarr, this.c.barr);
    while (g > MAX_LN_GAP);
    this.points += Math.exp(g) / BUCKET_SECONDS;
    let dt = 0;
    while (this.points > (this.weights[this.bucket] as number)) {
      this.points -= this.weights[this.bucket] as number;
      this.bucket = (this.bucket + 1) % BUCKETS;
      dt += BUCKET_SECONDS;
    }
    const used = this.points / (this.weights[this.bucket] as number);
    dt += BUCKET_SECONDS * (used - this.used);
    this.used = used;
    // The published generator truncates the clock to a whole second at every step, which puts it
    // about half a second per job behind the daily cycle (hours, over a long log); the clock here
    // stays exact, and only the job's submit second is rounded down.
    this.exact += dt;
    this.next = Math.floor(this.exact);
  }
}

function drawSize(c: Lublin99Class, nodes: number, rng: Rng): number {
  const u = rng.next();
  if (u <= c.serialProb) return 1;
  let x = rng.next() <= c.uProb ? c.uLow + rng.next() * (c.uMed - c.uLow) : c.uMed + rng.next() * (c.uHi - c.uMed);
  if (u <= c.serialProb + c.pow2Prob) x = Math.floor(x + 0.5);
  return Math.max(1, Math.min(nodes, Math.floor(2 ** x + 0.5)));
}

function drawRun(c: Lublin99Class, size: number, rng: Rng): number {
  const p = Math.min(1, Math.max(0, c.pa * size + c.pb));
  let h: number;
  do h = rng.next() <= p ? rng.gamma(c.a1, c.b1) : rng.gamma(c.a2, c.b2);
  while (h > MAX_LN_RUN);
  return Math.max(1, Math.floor(Math.exp(h)));
}

/** Draw `jobs` jobs of the model; deterministic for the seed. */
export function generateLublin99(opts: Lublin99Options): Lublin99Job[] {
  const { jobs, nodes } = opts;
  if (!Number.isInteger(jobs) || jobs <= 0) throw new UserError(`the Lublin model needs a positive whole number of jobs, got ${jobs}`, { field: 'jobs' });
  const typed = opts.typed ?? false;
  const min = typed ? LUBLIN99_MIN_NODES.typed : LUBLIN99_MIN_NODES.typeless;
  if (!Number.isInteger(nodes) || nodes < min || nodes > LUBLIN99_MAX_NODES) {
    throw new UserError(
      `the Lublin model needs a machine of ${min} to ${LUBLIN99_MAX_NODES} nodes (a whole number${typed ? '; two classes need 32, for the interactive sizes' : ''}), got ${nodes}`,
      { field: 'nodes' },
    );
  }
  const startHour = opts.startHour ?? 0;
  if (!(startHour >= 0 && startHour < 24)) throw new UserError(`the start hour must be in [0, 24), got ${startHour}`, { field: 'startHour' });
  const classes = lublin99Classes(nodes, typed);
  const root = new Rng(`${opts.seed}:lublin99`);
  const rng = root.fork('jobs');
  const streams = classes.map((c, k) => new ArrivalStream(c, root.fork(`arrivals-${k}`), startHour));
  const out: Lublin99Job[] = [];
  for (let i = 0; i < jobs; i++) {
    // The earlier stream's job comes next; the interactive one (index 0) on a tie.
    let k = 0;
    for (let s = 1; s < streams.length; s++) if ((streams[s] as ArrivalStream).next < (streams[k] as ArrivalStream).next) k = s;
    const stream = streams[k] as ArrivalStream;
    const c = classes[k] as Lublin99Class;
    const submit = stream.next;
    stream.advance();
    const procs = drawSize(c, nodes, rng);
    out.push({ id: i + 1, submit, run: drawRun(c, procs, rng), procs, queue: classes.length === 1 ? 0 : (k as 0 | 1) });
  }
  return out;
}

/** The jobs as an SWF log, with the header the generator writes (and how they were drawn). */
export function lublin99Swf(jobs: readonly Lublin99Job[], opts: Lublin99Options): string {
  const lines = [
    '; Version: 2',
    '; Computer: Lublin–Feitelson workload model (JPDC 2003), generated by DRS',
    `; Note: drs generate-swf --model lublin99 --jobs ${opts.jobs} --nodes ${opts.nodes} --seed ${opts.seed}${opts.typed === true ? ' --typed' : ''}${opts.startHour ? ` --start-hour ${opts.startHour}` : ''}`,
    `; MaxJobs: ${jobs.length}`,
    `; MaxRecords: ${jobs.length}`,
    `; MaxNodes: ${opts.nodes}`,
    `; MaxRuntime: ${Math.floor(Math.exp(MAX_LN_RUN))}`,
  ];
  for (const j of jobs) lines.push(`${j.id} ${j.submit} -1 ${j.run} ${j.procs} -1 -1 -1 -1 -1 1 -1 -1 -1 ${j.queue} -1 -1 -1`);
  return `${lines.join('\n')}\n`;
}
