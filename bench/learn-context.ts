/**
 * Issue 10, fifteenth round (docs/learned-rounds.md, its plan committed before this probe existed):
 * can a per-job scorer that also sees the other candidates, through context features, imitate the
 * rollout teacher that the fourteenth round's students (production's features alone) could not?
 *
 *   teacher   as bench/learn-imitate.ts: `sampled-4`, 8 drawn futures of 32 arrivals from Lublin-1's
 *             training part, on windows of 1,024 jobs drawn from the Lublin model, seed `imitate-train`
 *             (the same windows and future draws, so the same labels, as the fourteenth round).
 *   rows      lublin-1's ten production features (checked bit for bit against LearnedQueue) followed
 *             by the context features of bench/imitate/context.ts.
 *   students  linear, hidden [4] and hidden [16] (tanh), cross-entropy over the candidates, Adam
 *             (bench/imitate/fit.ts), then two DAgger iterations of 15 fresh `imitate-train` windows.
 *   check     an F1-BC linear student with the context features must take F1's pick on ≥ 99 % of
 *             held-out decisions (f1-rank makes F1 representable): exit 1 otherwise.
 *   score     once, on `probe-lookahead-3` (100 windows; not used by any earlier round), in this
 *             bench's simulator (the students' feature list is not one production computes), beside
 *             F1 and the shipped lublin-1 scorer in the same run; the gate of the plan is a student
 *             at or below 0.97 of F1. `--skip-score` stops before that set is drawn.
 *
 *   part 2   `--bc-seeds N` fits N BC students per form (seed 0 is part 1's), `--forms` picks the forms,
 *            `--out DIR` writes each student as a model file LearnedQueue loads (QUEUE_FEATURES_CONTEXT).
 *
 *   DRS_DATA_DIR=/work/shared/data nice npx tsx bench/learn-context.ts [--train 30] [--heldout 10]
 *        [--dagger 2] [--dagger-windows 15] [--epochs 30] [--probe-windows 100] [--skip-score]
 *        [--forms linear,hidden-4,hidden-16] [--bc-seeds 1] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_VISIBLE, QUEUE_FEATURES_CONTEXT } from '../src/queue/learned-queue.js';
import { checkAgainstProduction } from './imitate/checks.js';
import { CONTEXT_FEATURES, withContext } from './imitate/context.js';
import { agreement, Decisions, fit, type Student } from './imitate/fit.js';
import { play, type Rows } from './imitate/play.js';
import { versusF1 } from './imitate/score.js';
import { candidateFeatures, candidates, studentChooser, type Chooser, type Job } from './imitate/sim.js';
import { AHEAD, FUTURE, K, L, lublinTeacher, modelLog, NODES, PROBE_OPTIONS, probeCounts, progressClock, range, SAMPLES, shippedLublin1, slice, TRAIN_SEED, trainWindows } from './imitate/setup.js';
import { die, intArg } from './usage.js';

const GATE = 0.97;
const PROBE_SEED = 'probe-lookahead-3';

const { values: o } = parseArgs({
  options: {
    ...PROBE_OPTIONS,
    forms: { type: 'string', default: 'linear,hidden-4,hidden-16' },
    'bc-seeds': { type: 'string', default: '1' },
    out: { type: 'string' },
  },
  strict: true,
});
const { nTrain, nHeld, nDagger, nDaggerWindows, epochs, nProbe } = probeCounts(o);
const bcSeeds = intArg('--bc-seeds', o['bc-seeds'], 1);
const outDir = o.out === undefined ? undefined : path.resolve(o.out);
if (outDir?.split(path.sep).includes('models')) die(`--out ${o.out}: the students are not shipped models; write them outside models/`);

const { say, summary } = progressClock();
const fail = (what: string): never => {
  console.error(`check failed: ${what}: no figure printed`);
  process.exit(1);
};

const { net: shippedNet, features } = shippedLublin1();
const F = features.length;
const W = F + CONTEXT_FEATURES.length;
const teacher = await lublinTeacher();
const { log: trainLog, train: trainW, held: heldW, dagger: daggerW } = trainWindows(nTrain, nHeld, nDagger, nDaggerWindows);
const f1: Chooser = () => 0;
const rows: Rows = (s, c) => withContext(candidateFeatures(s, c, F), F, c, s);

/** The student's own pick: the argmax of its scores over the context rows (the first of equal ones). */
function contextChooser(s: Student): Chooser {
  const out = new Float64Array(MAX_VISIBLE);
  return (sim) => {
    const c = candidates(sim);
    const n = c.jobs.length;
    if (n === 0) return sim.waiting.reduce((b, j, i) => (j.seq < (sim.waiting[b] as Job).seq ? i : b), 0);
    s.scores(rows(sim, c.jobs), 0, n, out);
    let best = 0;
    for (let j = 1; j < n; j++) if ((out[j] as number) > (out[best] as number)) best = j;
    return c.at[best] as number;
  };
}

say(`checks on ${TRAIN_SEED} windows 0–2 against the main simulator and the production LearnedQueue`);
await checkAgainstProduction([0, 1, 2].map((w) => slice(trainLog, w)), NODES, shippedNet, F, say).catch((e: Error) => fail(e.message));

function collect(ws: readonly number[], drive: (w: number) => Chooser, label: ((w: number) => Chooser) | 'drive', what: string): Decisions {
  const d = new Decisions(W);
  let labelled = 0;
  let missed = 0;
  for (const w of ws) {
    const r = play(slice(trainLog, w), NODES, drive(w), label === 'drive' ? 'drive' : label(w), rows, d);
    labelled += r.labelled;
    missed += r.missed;
  }
  say(`${what}: ${ws.length} windows, ${labelled} labelled decisions, ${missed} picks outside the candidates`);
  return d;
}

const teacherTrain = collect(trainW, (w) => teacher(w, 'bc'), 'drive', 'teacher labels (BC)');
const teacherHeld = collect(heldW, (w) => teacher(w, 'held'), 'drive', 'teacher labels (held-out)');
const f1Train = collect(trainW, () => f1, 'drive', 'F1 labels (BC)');
const f1Held = collect(heldW, () => f1, 'drive', 'F1 labels (held-out)');

const fitted = (d: Decisions, hidden: number, tag: string): Student => fit(d, { hidden, epochs, batch: 64, learningRate: hidden === 0 ? 0.05 : 0.02, l2: 1e-5, seed: `${TRAIN_SEED}:context:${tag}` });
const allForms = [
  { name: 'linear', hidden: 0 },
  { name: 'hidden-4', hidden: 4 },
  { name: 'hidden-16', hidden: 16 },
];
const forms = o.forms.split(',').map((n) => allForms.find((f) => f.name === n) ?? die(`--forms: '${n}' is not one of ${allForms.map((f) => f.name).join(', ')}`));

/** The student as a model file production loads (learned-queue's context feature list), into --out. */
function write(s: Student, slug: string): void {
  if (outDir === undefined) return;
  mkdirSync(outDir, { recursive: true });
  const file = s.file(`context-${slug}`, QUEUE_FEATURES_CONTEXT, { probe: 'bench/learn-context.ts', teacher: `sampled-${K}, ${SAMPLES} draws of ${FUTURE}`, seed: TRAIN_SEED, windows: nTrain, epochs, hidden: s.hidden });
  writeFileSync(path.join(outDir, `${slug}.json`), JSON.stringify(file, null, 1));
  say(`wrote ${path.join(outDir, `${slug}.json`)}`);
}

const f1bc = fitted(f1Train, 0, 'f1bc-linear');
const f1Top1 = agreement(f1bc, f1Held).top1;
say(`check: an F1-BC linear student with the context features takes F1's pick on ${(100 * f1Top1).toFixed(1)} % of held-out decisions`);
if (f1Top1 < 0.99) fail(`the F1-BC linear student agrees with F1 on only ${(100 * f1Top1).toFixed(1)} % (< 99 %): a context feature is wrong`);

interface Row {
  name: string;
  chooser: Chooser;
  top1?: number;
}
const table: Row[] = [
  { name: 'F1', chooser: f1 },
  { name: 'shipped lublin-1 (production features)', chooser: studentChooser(shippedNet, F) },
  { name: 'F1-BC linear (context)', chooser: contextChooser(f1bc), top1: f1Top1 },
];

const data = new Map<string, Decisions>();
const current = new Map<string, Student>();
for (const f of forms) {
  const d = new Decisions(W);
  d.append(teacherTrain);
  data.set(f.name, d);
  for (let k = 0; k < bcSeeds; k++) {
    // Seed 0 is part 1's fit (its tag unchanged); the others change only the initial weights and the minibatch order.
    const s = fitted(d, f.hidden, k === 0 ? `bc-${f.name}` : `bc-${f.name}-seed${k}`);
    if (k === 0) current.set(f.name, s);
    const a = agreement(s, teacherHeld);
    const name = bcSeeds === 1 ? `BC ${f.name}` : `BC ${f.name} seed ${k}`;
    say(`${name}: held-out top-1 ${(100 * a.top1).toFixed(1)} %, CE ${a.ce.toFixed(3)}, train top-1 ${(100 * agreement(s, d).top1).toFixed(1)} %`);
    table.push({ name, chooser: contextChooser(s), top1: a.top1 });
    write(s, `bc-${f.name}-seed${k}`);
  }
}
for (let it = 1; it <= nDagger; it++) {
  for (const f of forms) {
    const d = data.get(f.name) as Decisions;
    const student = current.get(f.name) as Student;
    d.append(collect(daggerW(it), () => contextChooser(student), (w) => teacher(w, `dagger${it}`), `DAgger ${it} ${f.name} (student plays, teacher labels)`));
    const s = fitted(d, f.hidden, `dagger${it}-${f.name}`);
    current.set(f.name, s);
    const a = agreement(s, teacherHeld);
    say(`DAgger ${it} ${f.name}: ${d.size} decisions pooled, held-out top-1 ${(100 * a.top1).toFixed(1)} %, CE ${a.ce.toFixed(3)}`);
    if (it === nDagger) {
      table.push({ name: `DAgger ${it} ${f.name}`, chooser: contextChooser(s), top1: a.top1 });
      write(s, `dagger${it}-${f.name}`);
    }
  }
}
if (o['skip-score']) {
  say(`--skip-score: ${PROBE_SEED} not drawn`);
  process.exit(0);
}

say(`scoring on ${PROBE_SEED} (${nProbe} windows) in the bench simulator`);
const probeLog = modelLog(nProbe, PROBE_SEED);
const per = new Map<string, number[]>();
for (const r of table) {
  per.set(
    r.name,
    range(0, nProbe).map((w) => play(slice(probeLog, w), NODES, r.chooser, 'drive', rows).bsld),
  );
  say(`${r.name}: scored`);
}
const f1Probe = per.get('F1') as number[];
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`${TRAIN_SEED}: ${nTrain} BC + ${nHeld} held-out + ${nDagger} × ${nDaggerWindows} DAgger windows of ${L} jobs (Lublin model, ${NODES} nodes); teacher sampled-${K}, ${SAMPLES} draws of ${FUTURE}; ${epochs} epochs; features: lublin-1's ${F} + ${CONTEXT_FEATURES.join(', ')}`);
console.log(`teacher labels: ${teacherTrain.size} BC + ${teacherHeld.size} held-out decisions`);
console.log(`scored on ${PROBE_SEED}, ${nProbe} windows, bench simulator; F1 mean bsld ${mean(f1Probe).toFixed(2)}; 95 % interval: paired bootstrap over windows, 10,000 resamples`);
console.log('| policy | top-1 agreement (held-out) | mean bsld | ÷ F1 [95 %] | windows won | 10-window sets ≥ 1.43 % ahead |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
let best = Infinity;
for (const r of table.slice(1)) {
  const xs = per.get(r.name) as number[];
  const v = versusF1(xs, f1Probe, PROBE_SEED, r.name, AHEAD);
  if (r.name.startsWith('BC') || r.name.startsWith('DAgger')) best = Math.min(best, v.ratio);
  const top1 = r.top1 === undefined ? '–' : `${(100 * r.top1).toFixed(1)} % (vs ${r.name.startsWith('F1') ? 'F1' : 'teacher'})`;
  console.log(`| ${r.name} | ${top1} | ${mean(xs).toFixed(2)} | ${v.ratio.toFixed(4)} [${v.lo.toFixed(4)}, ${v.hi.toFixed(4)}] | ${v.won} | ${(100 * v.setsAhead).toFixed(1)} % |`);
}
console.log(`gate (plan): a teacher student at or below ${GATE} of F1 on ${PROBE_SEED}: best ${best.toFixed(4)} → ${best <= GATE ? 'met' : 'not met'}`);
console.log(summary());
