import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, UserError } from './errors.js';
import { checkPlanner, type PlannerSpec } from './planner-spec.js';

/**
 * Learned-policy model files and their inference: a small multilayer perceptron applied to each
 * candidate (a waiting job, or a (request, node) pair) separately, as RLScheduler's "kernel"
 * network is: the same weights score every candidate, so the network does not care how many
 * candidates there are or in which order they come.
 *
 * For a candidate with raw features x (length F):
 *
 *   z0 = (x − mean) / std                                   (feature scaling stored in the file)
 *   z_{k+1} = act_k(W_k · z_k + b_k)                         (W_k: out × in, row-major)
 *   score = z_L (one output)
 *
 * A policy then takes the softmax of the scores of the allowed candidates (mask) and, at decision
 * time, the candidate with the highest score. Plain arrays only: no TensorFlow at decision time.
 *
 * The file is JSON, `format: 1`; `features` names each input in order, and a model is refused
 * (`ConfigError`) when its format or its feature list does not match what the strategy computes.
 */
export const POLICY_NET_FORMAT = 1;

export type Activation = 'tanh' | 'relu' | 'linear';

export interface DenseLayer {
  /** Output size × input size, row-major. */
  readonly weights: readonly number[];
  readonly bias: readonly number[];
  readonly activation: Activation;
}

export interface PolicyNetFile {
  readonly format: number;
  /** `queue`: scores waiting jobs (learned-queue); `allocator`: scores (request, node) pairs (learned). */
  readonly kind: 'queue' | 'allocator';
  /** Name the model is loaded by (`sdsc-sp2` for `learned-queue:sdsc-sp2`). */
  readonly name: string;
  /** Input feature names, in order. */
  readonly features: readonly string[];
  readonly scaling: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly layers: readonly DenseLayer[];
  /**
   * Queue models: which waiting jobs are the (at most 128) candidates when more wait. `arrival`
   * (default): the oldest. `short-narrow`: taken in turn from the shortest-requested and the
   * narrowest jobs (RLScheduler's visible-job rule).
   */
  readonly candidates?: 'arrival' | 'short-narrow';
  /**
   * Queue models: a second scorer (same features) used when the queue backfills (EASY or
   * conservative); without it `scaling` and `layers` score in both settings. A policy's best order
   * differs with backfilling (short jobs that fit start by backfilling whatever the order), so a
   * model may carry one scorer per setting, as RLScheduler trained one model per setting.
   */
  readonly withBackfilling?: BackfillingScorer;
  /**
   * Queue models: a planner that decides the picks of runs without backfilling (the scorer still
   * decides with backfilling): see src/core/planner-spec.ts.
   */
  readonly planner?: PlannerSpec;
  /** How it was trained: config, data, windows or seeds, iterations, curve (free-form JSON). */
  readonly training?: unknown;
  /** Evaluation results (free-form JSON). */
  readonly evaluation?: unknown;
}

/** The scorer of a queue model for runs with backfilling (`withBackfilling`). */
export interface BackfillingScorer {
  readonly scaling: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly layers: readonly DenseLayer[];
  /** How this scorer was trained (free-form JSON). */
  readonly training?: unknown;
}

/** The feature list a strategy computes, or several lists it can compute (one per model generation). */
export type FeatureSets = readonly string[] | readonly (readonly string[])[];

const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'linear'];

/** Check a parsed model file; throws ConfigError naming the field. */
export function validatePolicyNetFile(raw: unknown, file = '<model>', expect?: { kind?: 'queue' | 'allocator'; features?: FeatureSets }): PolicyNetFile {
  const bad = (field: string, what: string): never => {
    throw new ConfigError(what, field === '' ? { file } : { file, field });
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('', `a model file must be a JSON object (format, kind, name, features, scaling, layers), got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}`);
  const m = raw as Record<string, unknown>;
  if (m.format !== POLICY_NET_FORMAT) {
    bad('format', `model file format ${JSON.stringify(m.format)} is not supported: this version of DRS reads format ${POLICY_NET_FORMAT} (retrain the model or use a matching DRS version)`);
  }
  if (m.kind !== 'queue' && m.kind !== 'allocator') bad('kind', `kind must be 'queue' or 'allocator', got ${JSON.stringify(m.kind)}`);
  if (typeof m.name !== 'string') bad('name', 'name must be a string');
  const features = m.features;
  if (!Array.isArray(features) || !features.every((f) => typeof f === 'string')) bad('features', 'features must be a list of names');
  const F = (features as string[]).length;
  checkScorer(m, F, '', bad);
  if (m.withBackfilling !== undefined) {
    if (m.kind !== 'queue') bad('withBackfilling', 'only a queue model can carry a scorer for backfilling');
    if (typeof m.withBackfilling !== 'object' || m.withBackfilling === null) bad('withBackfilling', 'withBackfilling must be an object with scaling and layers');
    checkScorer(m.withBackfilling as Record<string, unknown>, F, 'withBackfilling.', bad);
  }
  if (m.planner !== undefined) {
    if (m.kind !== 'queue') bad('planner', 'only a queue model can carry a planner');
    checkPlanner(m.planner, bad);
  }
  if (m.candidates !== undefined && m.candidates !== 'arrival' && m.candidates !== 'short-narrow') bad('candidates', `candidates must be 'arrival' or 'short-narrow', got ${JSON.stringify(m.candidates)}`);
  const model = raw as PolicyNetFile;
  if (expect?.kind !== undefined && model.kind !== expect.kind) bad('kind', `this is ${model.kind === 'allocator' ? 'an' : 'a'} ${model.kind} model; ${expect.kind === 'allocator' ? 'an' : 'a'} ${expect.kind} model is needed here`);
  if (expect?.features !== undefined) {
    // One feature list, or several a strategy can compute (the model must name one of them exactly).
    const sets = (expect.features.length > 0 && typeof expect.features[0] !== 'string' ? expect.features : [expect.features]) as readonly (readonly string[])[];
    const same = (want: readonly string[]): boolean => F === want.length && want.every((f, i) => f === model.features[i]);
    if (!sets.some(same)) {
      const want = sets.map((w) => `${w.length} (${w.join(', ')})`).join(' or ');
      bad('features', `the model has ${F} features (${model.features.join(', ')}) but this strategy computes ${want}: retrain the model for this DRS version`);
    }
  }
  return model;
}

/** Scaling and layers of a scorer over F features (`prefix`: where it sits in the file). */
function checkScorer(m: Record<string, unknown>, F: number, prefix: string, bad: (field: string, what: string) => never): void {
  const sc = m.scaling as { mean?: unknown; std?: unknown } | undefined;
  if (!isNums(sc?.mean, F)) bad(`${prefix}scaling.mean`, `scaling.mean must be ${F} numbers (one per feature)`);
  if (!isNums(sc?.std, F) || !(sc?.std as number[]).every((s) => s > 0)) bad(`${prefix}scaling.std`, `scaling.std must be ${F} positive numbers`);
  if (!Array.isArray(m.layers) || m.layers.length === 0) bad(`${prefix}layers`, 'layers must be a non-empty list');
  let inSize = F;
  (m.layers as unknown[]).forEach((l, i) => {
    const layer = l as Partial<DenseLayer>;
    const out = Array.isArray(layer.bias) ? layer.bias.length : 0;
    if (!isNums(layer.bias, out) || out === 0) bad(`${prefix}layers[${i}].bias`, `bias must be a non-empty list of finite numbers${out === 0 ? '' : notNumber(layer.bias as unknown[])}`);
    const w = layer.weights;
    // Say which part is wrong: an entry that is not a number, or a bias whose size the weights contradict.
    if (Array.isArray(w) && w.length === out * inSize && !isNums(w, w.length)) bad(`${prefix}layers[${i}].weights`, `weights must be finite numbers${notNumber(w)}`);
    if (Array.isArray(w) && w.length > 0 && w.length % inSize === 0 && w.length / inSize !== out) {
      bad(`${prefix}layers[${i}].bias`, `bias has ${out} entries, but the layer's ${w.length} weights over ${inSize} inputs make ${w.length / inSize} output${w.length / inSize === 1 ? '' : 's'}`);
    }
    if (!isNums(layer.weights, out * inSize)) {
      bad(`${prefix}layers[${i}].weights`, `weights must be ${out}×${inSize} = ${out * inSize} numbers (outputs × inputs), got ${Array.isArray(layer.weights) ? layer.weights.length : 'none'}`);
    }
    if (!ACTIVATIONS.includes(layer.activation as Activation)) bad(`${prefix}layers[${i}].activation`, `activation must be one of ${ACTIVATIONS.join(', ')}`);
    inSize = out;
  });
  if (inSize !== 1) bad(`${prefix}layers`, `the last layer must have one output (a score), got ${inSize}`);
}

/** ': entry k is X' for the first entry of xs that is not a finite number, or ''. */
function notNumber(xs: readonly unknown[]): string {
  const k = xs.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  return k < 0 ? '' : `: entry ${k} is ${JSON.stringify(xs[k])}`;
}

function isNums(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** `scoreAll`'s activation codes (a number compares faster than a string in the inner loop). */
const ACTIVATION_CODE: Readonly<Record<Activation, number>> = { linear: 0, tanh: 1, relu: 2 };

/** `score`'s activation by code: the same expressions. */
function activate(s: number, code: number): number {
  return code === 1 ? Math.tanh(s) : code === 2 ? (s > 0 ? s : 0) : s;
}

/** The forward pass over plain Float64Arrays (no allocation per call beyond the first). */
export class PolicyNet {
  readonly featureCount: number;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;
  private readonly W: Float64Array[];
  private readonly B: Float64Array[];
  private readonly act: Activation[];
  /** The activations as codes for `scoreAll`'s kernel (ACTIVATION_CODE). */
  private readonly actCode: Uint8Array;
  private readonly bufA: Float64Array;
  private readonly bufB: Float64Array;
  /** Width of a row in quadA/quadB: the widest layer (or the input). */
  private readonly widest: number;
  /** Four rows of activations each, for `scoreAll` (four candidates go through the layers together). */
  private readonly quadA: Float64Array;
  private readonly quadB: Float64Array;
  /** The scorer for runs with backfilling, when the file has one (`withBackfilling`). */
  readonly backfilling: PolicyNet | undefined;

  constructor(readonly model: PolicyNetFile) {
    this.featureCount = model.features.length;
    this.mean = Float64Array.from(model.scaling.mean);
    this.invStd = Float64Array.from(model.scaling.std, (s) => 1 / s);
    this.W = model.layers.map((l) => Float64Array.from(l.weights));
    this.B = model.layers.map((l) => Float64Array.from(l.bias));
    this.act = model.layers.map((l) => l.activation);
    this.actCode = Uint8Array.from(model.layers, (l) => ACTIVATION_CODE[l.activation]);
    const widest = Math.max(this.featureCount, ...model.layers.map((l) => l.bias.length));
    this.widest = widest;
    this.bufA = new Float64Array(widest);
    this.bufB = new Float64Array(widest);
    this.quadA = new Float64Array(4 * widest);
    this.quadB = new Float64Array(4 * widest);
    const wb = model.withBackfilling;
    const { withBackfilling: _, ...rest } = model;
    this.backfilling = wb === undefined ? undefined : new PolicyNet({ ...rest, scaling: wb.scaling, layers: wb.layers });
  }

  /** The scorer for a run with (true) or without backfilling: `backfilling` when the file has one, else this. */
  forBackfilling(on: boolean): PolicyNet {
    return on ? (this.backfilling ?? this) : this;
  }

  /** Score one candidate: x has `featureCount` raw (unscaled) features starting at `offset`. */
  score(x: ArrayLike<number>, offset = 0): number {
    let cur = this.bufA;
    let nxt = this.bufB;
    const F = this.featureCount;
    for (let i = 0; i < F; i++) cur[i] = ((x[offset + i] as number) - (this.mean[i] as number)) * (this.invStd[i] as number);
    let inSize = F;
    for (let k = 0; k < this.W.length; k++) {
      const W = this.W[k] as Float64Array;
      const b = this.B[k] as Float64Array;
      const out = b.length;
      const act = this.act[k];
      for (let o = 0; o < out; o++) {
        let s = b[o] as number;
        const row = o * inSize;
        for (let i = 0; i < inSize; i++) s += (W[row + i] as number) * (cur[i] as number);
        nxt[o] = act === 'tanh' ? Math.tanh(s) : act === 'relu' ? (s > 0 ? s : 0) : s;
      }
      const t = cur;
      cur = nxt;
      nxt = t;
      inSize = out;
    }
    return cur[0] as number;
  }

  /**
   * Score n candidates laid out row by row in `x` (n × featureCount) into `out`: `score` of each
   * row, bit for bit. Four rows at a time go through the layers together (each weight is read
   * once for the four), every sum taken in `score`'s order; the last n mod 4 rows go one by one.
   */
  scoreAll(x: ArrayLike<number>, n: number, out: Float64Array): Float64Array {
    let j = 0;
    for (; j + 4 <= n; j += 4) this.scoreFour(x, j, out);
    for (; j < n; j++) out[j] = this.score(x, j * this.featureCount);
    return out;
  }

  /** Rows j … j+3 of `x` into out[j … j+3]: the operations of `score` on each, interleaved. */
  private scoreFour(x: ArrayLike<number>, j: number, out: Float64Array): void {
    let cur = this.quadA;
    let nxt = this.quadB;
    const F = this.featureCount;
    const R = this.widest;
    for (let r = 0; r < 4; r++) {
      const from = (j + r) * F;
      const to = r * R;
      for (let i = 0; i < F; i++) cur[to + i] = ((x[from + i] as number) - (this.mean[i] as number)) * (this.invStd[i] as number);
    }
    let inSize = F;
    for (let k = 0; k < this.W.length; k++) {
      const W = this.W[k] as Float64Array;
      const b = this.B[k] as Float64Array;
      const outSize = b.length;
      const act = this.actCode[k] as number;
      for (let o = 0; o < outSize; o++) {
        const bias = b[o] as number;
        let s0 = bias;
        let s1 = bias;
        let s2 = bias;
        let s3 = bias;
        const row = o * inSize;
        for (let i = 0; i < inSize; i++) {
          const w = W[row + i] as number;
          s0 += w * (cur[i] as number);
          s1 += w * (cur[R + i] as number);
          s2 += w * (cur[2 * R + i] as number);
          s3 += w * (cur[3 * R + i] as number);
        }
        nxt[o] = activate(s0, act);
        nxt[R + o] = activate(s1, act);
        nxt[2 * R + o] = activate(s2, act);
        nxt[3 * R + o] = activate(s3, act);
      }
      const t = cur;
      cur = nxt;
      nxt = t;
      inSize = outSize;
    }
    out[j] = cur[0] as number;
    out[j + 1] = cur[R] as number;
    out[j + 2] = cur[2 * R] as number;
    out[j + 3] = cur[3 * R] as number;
  }
}

/**
 * `main` with `backfilling`'s scorer as its scorer for runs with backfilling (`withBackfilling`):
 * both single-scorer queue models of the same name, features and candidate rule. `main`'s
 * evaluation is dropped (it measured `main` alone).
 */
export function withBackfillingScorer(main: PolicyNetFile, backfilling: PolicyNetFile): PolicyNetFile {
  const bad = (what: string): never => {
    throw new ConfigError(what, { field: 'withBackfilling' });
  };
  if (main.kind !== 'queue' || backfilling.kind !== 'queue') bad('only queue models have a scorer for backfilling');
  if (main.withBackfilling !== undefined || backfilling.withBackfilling !== undefined) bad('both models must have a single scorer');
  if (main.name !== backfilling.name) bad(`the models have different names: ${main.name}, ${backfilling.name}`);
  if (JSON.stringify(main.features) !== JSON.stringify(backfilling.features)) bad(`the models have different features: ${main.features.join(', ')} | ${backfilling.features.join(', ')}`);
  if ((main.candidates ?? 'arrival') !== (backfilling.candidates ?? 'arrival')) bad(`the models have different candidate rules: ${main.candidates ?? 'arrival'}, ${backfilling.candidates ?? 'arrival'}`);
  const { evaluation: _measuredAlone, ...rest } = main;
  return { ...rest, withBackfilling: { scaling: backfilling.scaling, layers: backfilling.layers, ...(backfilling.training === undefined ? {} : { training: backfilling.training }) } };
}

/** Folder of the shipped models: `models/` at the package root (src/core → ../../models). */
export function modelsDir(): string {
  return fileURLToPath(new URL('../../models/', import.meta.url));
}

/** Names of the shipped models of a kind (models/<kind>/*.json), sorted. */
export function shippedModelNames(kind: 'queue' | 'allocator'): string[] {
  try {
    return readdirSync(`${modelsDir()}${kind}`)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** What to write instead of an unknown model name: the shipped names of the kind, and the other kind's when it names one. */
function unknownNameHint(name: string, kind: 'queue' | 'allocator'): string {
  const other = kind === 'queue' ? 'allocator' : 'queue';
  const known = shippedModelNames(kind);
  const list = `; shipped ${kind} models: ${known.length > 0 ? known.join(', ') : 'none'}, or give a .json file`;
  return shippedModelNames(other).includes(name) ? `; '${name}' is ${other === 'allocator' ? 'an' : 'a'} ${other} model${list}` : list;
}

/**
 * Load a model by name (`sdsc-sp2`, looked up as models/<kind>/<name>.json) or by path (anything
 * ending in .json). Throws UserError for an unknown name, ConfigError for a bad file.
 */
export function loadPolicyNetFile(nameOrPath: string, kind: 'queue' | 'allocator', features: FeatureSets): PolicyNetFile {
  const isPath = nameOrPath.endsWith('.json');
  if (!isPath && !/^[a-z0-9][a-z0-9._-]*$/i.test(nameOrPath)) throw new UserError(`model name '${nameOrPath}' is not a name (letters, digits, . _ -) or a .json path`, { field: 'model' });
  const file = isPath ? nameOrPath : `${modelsDir()}${kind}/${nameOrPath}.json`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(isPath ? `cannot read model file ${file}` : `no shipped ${kind} model named '${nameOrPath}' (looked for ${file})${unknownNameHint(nameOrPath, kind)}`, { field: 'model' });
  }
  // A byte-order mark (Windows editors write one) is not JSON; the YAML configs accept it, so do model files.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`model file is not valid JSON: ${(e as Error).message}`, { file, ...lineOf(jsonErrorLine(text, (e as Error).message)) });
  }
  return validatePolicyNetFile(raw, file, { kind, features });
}

/** `{ line }` when it is known. */
const lineOf = (line: number | undefined): { line?: number } => (line === undefined ? {} : { line });

/** The 1-based line of a JSON.parse error: at its `position N`, the last line when the text ends too early, else unknown (Node 20 gives no position for an unexpected token). */
function jsonErrorLine(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at === null && !message.includes('Unexpected end of JSON input')) return undefined;
  const end = at === null ? text.length : Math.min(text.length, Number(at[1]));
  return text.slice(0, end).split('\n').length;
}
