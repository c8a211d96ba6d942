/**
 * Issue 10, fourteenth round part 2 (docs/learned-rounds.md): can the shipped scorer's form imitate
 * the rollout teacher of bench/learn-lookahead.ts? A probe: it trains students in memory, writes them
 * to --out (never to models/), and changes no shipped model.
 *
 *   teacher   learn-lookahead's `sampled-4`: at each pick, for each of F1's 4 first waiting jobs,
 *             "this job, then F1" on 8 drawn futures of 32 arrivals (gaps and jobs of Lublin-1's
 *             training part, jobs 0–1980) and the least total bounded slowdown.
 *   labels    on windows of 1,024 jobs from the Lublin–Feitelson model for 256 nodes, seed
 *             `imitate-train`: at each decision with two or more waiting, the features of the
 *             learned queue's candidates (production's `queueFeatures` and `FreeCopy`, lublin-1's
 *             feature list, no backfilling) and the candidate the teacher took (a pick outside the
 *             128 candidates cannot be a label: counted, not recorded).
 *   students  production's per-job scorer, linear and with one hidden layer of 4 tanh units, softmax
 *             over the candidates, cross-entropy, Adam (bench/imitate/fit.ts); scaling from the
 *             training labels only. Top-1 agreement on held-out `imitate-train` windows' teacher
 *             decisions. Then DAgger: the student plays fresh `imitate-train` windows, the teacher
 *             labels the states it visits, the sets are pooled and the student refitted.
 *   baseline  the F1-BC student: the same fit to F1's picks on F1's own runs (about 1.00 of F1 expected;
 *             F1's submit term, 870·log10(submit), trades wait against area at a rate that depends on
 *             the absolute time, which no feature carries, so its top-1 agreement stays well below 100 %).
 *   pipeline  a target the form can represent: the shipped (linear) scorer's own picks on its own runs;
 *             a linear student fitted by this code, driving production's LearnedQueue on the held-out
 *             windows, must take the shipped scorer's pick on ≥ 95 % of decisions (exit 1 otherwise).
 *   --skip-score  stops before probe-lookahead-2 is read (smoke runs must not look at the scoring set).
 *   score     once, on `probe-lookahead-2` (100 windows, learn-lookahead's replication set), through
 *             production: each student's PolicyNet file is loaded with loadPolicyNetFile and replayed
 *             with the main simulator (replaySwfWindow, learnedQueueFor(net, 'none')) beside F1 and
 *             the shipped lublin-1 scorer; ratio of mean bounded slowdowns to F1's with a paired 95 %
 *             bootstrap interval, and the share of 10-window sets ≥ 1.43 % ahead of F1.
 *
 * Checks before any figure (exit 1): this bench's simulator gives F1's bounded slowdown of the main
 * simulator; with the shipped scorer driving both, the feature rows recorded here equal, decision by
 * decision and bit for bit, those the production LearnedQueue computes in the main simulator, and
 * the bounded slowdowns agree; each fitted student's own play here equals its production replay.
 * The protocol's evaluation windows and the `spread` seed are never read.
 *
 *   DRS_DATA_DIR=/work/shared/data nice npx tsx bench/learn-imitate.ts [--train 30] [--heldout 10]
 *        [--dagger 2] [--dagger-windows 15] [--epochs 30] [--probe-windows 100] [--out /tmp/drs-imitate] [--skip-score]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadPolicyNetFile, PolicyNet } from '../src/core/policy-net.js';
import { learnedQueueFor } from '../src/learn/evaluate.js';
import { classicPolicy, type BatchJob } from '../src/learn/sim-adapter.js';
import { LearnedQueue, QUEUE_FEATURE_SETS } from '../src/queue/learned-queue.js';
import type { QueuePolicy } from '../src/queue/policy.js';
import { agreement, Decisions, fit, type FitOptions, type Student } from './imitate/fit.js';
import { checkAgainstProduction, productionBsld as productionBsldOf } from './imitate/checks.js';
import { play as playWindow, type Play } from './imitate/play.js';
import { versusF1 } from './imitate/score.js';
import { candidateFeatures, studentChooser, type Chooser } from './imitate/sim.js';
import { AHEAD, FUTURE, K, L, lublinTeacher, modelLog, NODES, PROBE_OPTIONS, probeCounts, progressClock, SAMPLES, shippedLublin1, slice, TRAIN_SEED, trainWindows } from './imitate/setup.js';
import { die } from './usage.js';

const PROBE_SEED = 'probe-lookahead-2';

const { values: o } = parseArgs({
  options: {
    ...PROBE_OPTIONS,
    out: { type: 'string', default: '/tmp/drs-imitate' },
  },
  strict: true,
});
const { nTrain, nHeld, nDagger, nDaggerWindows, epochs, nProbe } = probeCounts(o);
const outDir = path.resolve(o.out);
if (outDir.split(path.sep).includes('models')) die(`--out ${o.out}: the students are not shipped models; write them outside models/ (default /tmp/drs-imitate)`);

const { say, summary } = progressClock();
const { net: shippedNet, features: FEATURES } = shippedLublin1();
const F = FEATURES.length;
const teacher = await lublinTeacher();
const { log: trainLog, train: trainW, held: heldW, dagger: daggerW } = trainWindows(nTrain, nHeld, nDagger, nDaggerWindows);
const probeLog = modelLog(nProbe, PROBE_SEED);
const f1: Chooser = () => 0;

/** Play a window driven by `drive`, recording `label`'s pick at each decision into `into`, with production's rows. */
const play = (js: readonly BatchJob[], drive: Chooser, label: Chooser | 'drive', into?: Decisions): Play => playWindow(js, NODES, drive, label, (s, c) => candidateFeatures(s, c, F), into);

const productionBsld = (js: readonly BatchJob[], q: QueuePolicy): Promise<number> => productionBsldOf(js, NODES, q);

const fail = (what: string): never => {
  console.error(`check failed: ${what}: no figure printed`);
  process.exit(1);
};

// ---- checks against production -----------------------------------------------------------------

say(`checks on ${TRAIN_SEED} windows 0–2 against the main simulator and the production LearnedQueue`);
await checkAgainstProduction([0, 1, 2].map((w) => slice(trainLog, w)), NODES, shippedNet, F, say).catch((e: Error) => fail(e.message));

// ---- behaviour cloning -----------------------------------------------------------------------------

interface Collected {
  d: Decisions;
  labelled: number;
  missed: number;
}
function collect(ws: readonly number[], drive: (w: number) => Chooser, label: ((w: number) => Chooser) | 'drive', what: string): Collected {
  const d = new Decisions(F);
  let labelled = 0;
  let missed = 0;
  let same = 0;
  for (const w of ws) {
    const r = play(slice(trainLog, w), drive(w), label === 'drive' ? 'drive' : label(w), d);
    labelled += r.labelled;
    missed += r.missed;
    same += r.same;
  }
  say(`${what}: ${ws.length} windows, ${labelled} labelled decisions, ${missed} picks outside the candidates${label === 'drive' ? '' : `, driver = label on ${((100 * same) / Math.max(1, labelled + missed)).toFixed(1)} %`}`);
  return { d, labelled, missed };
}

const teacherTrain = collect(trainW, (w) => teacher(w, 'bc'), 'drive', 'teacher labels (BC)');
const teacherHeld = collect(heldW, (w) => teacher(w, 'held'), 'drive', 'teacher labels (held-out)');
const f1Train = collect(trainW, () => f1, 'drive', 'F1 labels (BC)');
const f1Held = collect(heldW, () => f1, 'drive', 'F1 labels (held-out)');

const fitOpts = (hidden: number, tag: string): FitOptions => ({ hidden, epochs, batch: 64, learningRate: hidden === 0 ? 0.05 : 0.02, l2: 1e-5, seed: `${TRAIN_SEED}:${tag}` });
function fitted(d: Decisions, hidden: number, tag: string): Student {
  const s = fit(d, fitOpts(hidden, tag));
  return s;
}
const forms = [
  { name: 'linear', hidden: 0 },
  { name: 'hidden-4', hidden: 4 },
];

/** Top-1 agreement of a PolicyNet's argmax with the labels. */
function agreementNet(net: PolicyNet, d: Decisions): number {
  const scores = new Float64Array(128);
  let hit = 0;
  for (let i = 0; i < d.size; i++) {
    const n = d.n[i] as number;
    const off = (d.offset[i] as number) * F;
    net.scoreAll(d.rows.slice(off, off + n * F), n, scores);
    let best = 0;
    for (let j = 1; j < n; j++) if ((scores[j] as number) > (scores[best] as number)) best = j;
    if (best === d.label[i]) hit++;
  }
  return hit / Math.max(1, d.size);
}

interface Row {
  name: string;
  student?: Student;
  top1?: number;
  note: string;
}
const rows: Row[] = [];

// The pipeline on a target it can represent: the shipped scorer's own picks (a linear scorer over the
// same features) on its own runs; a linear student fitted by this code must reproduce them.
const realizable = (ws: readonly number[], into: Decisions): void => {
  for (const w of ws) play(slice(trainLog, w), studentChooser(shippedNet, F), 'drive', into);
};
const realTrain = new Decisions(F);
realizable(trainW.slice(0, 10), realTrain);
const realHeld = new Decisions(F);
realizable(heldW, realHeld);
const realStudent = fitted(realTrain, 0, 'realizable');
const realFit = agreement(realStudent, realHeld);
// End to end, not against the recorded labels (a wrong label rule can be learnt consistently): the
// student's file drives production's LearnedQueue, and at each of its decisions its pick is compared
// with the shipped scorer's argmax on the same production features.
const realNet = new PolicyNet(realStudent.file('realizable', FEATURES, undefined));
let realSame = 0;
let realAll = 0;
const shippedScores = new Float64Array(128);
for (const w of heldW) {
  const q = new LearnedQueue(realNet, {
    chooser: {
      choose: (x, n, scores) => {
        let best = 0;
        for (let j = 1; j < n; j++) if ((scores[j] as number) > (scores[best] as number)) best = j;
        if (n < 2) return best;
        shippedNet.scoreAll(x, n, shippedScores);
        let theirs = 0;
        for (let j = 1; j < n; j++) if ((shippedScores[j] as number) > (shippedScores[theirs] as number)) theirs = j;
        realAll++;
        if (theirs === best) realSame++;
        return best;
      },
    },
  });
  await productionBsld(slice(trainLog, w), q);
}
const realProd = realSame / Math.max(1, realAll);
say(`pipeline check: a linear student of the shipped scorer's picks agrees with it on ${(100 * realFit.top1).toFixed(1)} % of ${realHeld.size} recorded held-out decisions, and on ${(100 * realProd).toFixed(1)} % of ${realAll} decisions driving production's LearnedQueue`);
if (realProd < 0.95) fail(`a linear student of the shipped (linear) scorer takes its pick on only ${(100 * realProd).toFixed(1)} % of held-out production decisions (< 95 %)`);
const shippedVsTeacher = agreementNet(shippedNet, teacherHeld.d);
const shippedVsF1 = agreementNet(shippedNet, f1Held.d);
say(`shipped lublin-1 agrees with the teacher on ${(100 * shippedVsTeacher).toFixed(1)} %, with F1 on ${(100 * shippedVsF1).toFixed(1)} % of held-out decisions`);

for (const f of forms) {
  const s = fitted(f1Train.d, f.hidden, `f1bc-${f.name}`);
  const a = agreement(s, f1Held.d);
  say(`F1-BC ${f.name}: held-out top-1 ${(100 * a.top1).toFixed(1)} %, CE ${a.ce.toFixed(3)}`);
  rows.push({ name: `F1-BC ${f.name}`, student: s, top1: a.top1, note: 'vs F1' });
}

const data = new Map<string, Decisions>();
const current = new Map<string, Student>();
for (const f of forms) {
  const d = new Decisions(F);
  d.append(teacherTrain.d);
  data.set(f.name, d);
  const s = fitted(d, f.hidden, `bc-${f.name}`);
  current.set(f.name, s);
  const a = agreement(s, teacherHeld.d);
  say(`BC ${f.name}: held-out top-1 ${(100 * a.top1).toFixed(1)} %, CE ${a.ce.toFixed(3)}, train top-1 ${(100 * agreement(s, d).top1).toFixed(1)} %`);
  rows.push({ name: `BC ${f.name}`, student: s, top1: a.top1, note: 'vs teacher' });
}

// ---- DAgger -----------------------------------------------------------------------------------------

for (let it = 1; it <= nDagger; it++) {
  for (const f of forms) {
    const d = data.get(f.name) as Decisions;
    const prev = current.get(f.name) as Student;
    const net = new PolicyNet(prev.file(`imitate-${f.name}`, FEATURES, undefined));
    const got = collect(daggerW(it), () => studentChooser(net, F), (w) => teacher(w, `dagger${it}`), `DAgger ${it} ${f.name} (student plays, teacher labels)`);
    d.append(got.d);
    const s = fitted(d, f.hidden, `dagger${it}-${f.name}`);
    current.set(f.name, s);
    const a = agreement(s, teacherHeld.d);
    say(`DAgger ${it} ${f.name}: ${d.size} decisions pooled, held-out top-1 ${(100 * a.top1).toFixed(1)} %, CE ${a.ce.toFixed(3)}`);
    if (it === nDagger) rows.push({ name: `DAgger ${it} ${f.name}`, student: s, top1: a.top1, note: 'vs teacher' });
  }
}

// ---- the students' files, their production check, and the score on probe-lookahead-2 -----------------------

mkdirSync(outDir, { recursive: true });
const nets: { name: string; net: PolicyNet; top1?: number; note: string }[] = [{ name: 'shipped lublin-1', net: shippedNet, top1: shippedVsTeacher, note: `vs teacher; ${(100 * shippedVsF1).toFixed(1)} % vs F1` }];
for (const r of rows) {
  const slug = r.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const file = path.join(outDir, `${slug}.json`);
  const s = r.student as Student;
  writeFileSync(file, JSON.stringify(s.file(`imitate-${slug}`, FEATURES, { probe: 'bench/learn-imitate.ts', student: r.name, teacher: `sampled-${K}, ${SAMPLES} draws of ${FUTURE}`, seed: TRAIN_SEED, epochs }), null, 1));
  const net = new PolicyNet(loadPolicyNetFile(file, 'queue', QUEUE_FEATURE_SETS));
  // Its play in this bench's simulator is its production replay (the states DAgger labelled are production's).
  const js = slice(trainLog, heldW[0] as number);
  const here = play(js, studentChooser(net, F), 'drive').bsld;
  const prod = await productionBsld(js, learnedQueueFor(net, 'none'));
  if (Math.abs(here - prod) > 1e-12 * prod) fail(`${r.name}: ${here} here, ${prod} in production`);
  nets.push({ name: r.name, net, ...(r.top1 === undefined ? {} : { top1: r.top1 }), note: r.note });
}
if (o['skip-score']) {
  say(`students written to ${outDir}; --skip-score: ${PROBE_SEED} not read`);
  process.exit(0);
}
say(`students written to ${outDir}; scoring on ${PROBE_SEED} (${nProbe} windows) through production`);

const f1Probe: number[] = [];
for (let w = 0; w < nProbe; w++) f1Probe.push(await productionBsld(slice(probeLog, w), classicPolicy('f1', 'none')));
const per = new Map<string, number[]>();
for (const n of nets) {
  const xs: number[] = [];
  for (let w = 0; w < nProbe; w++) xs.push(await productionBsld(slice(probeLog, w), learnedQueueFor(n.net, 'none')));
  per.set(n.name, xs);
  say(`${n.name}: scored`);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
console.log(`${TRAIN_SEED}: ${nTrain} BC + ${nHeld} held-out + ${nDagger} × ${nDaggerWindows} DAgger windows of ${L} jobs (Lublin model, ${NODES} nodes); teacher sampled-${K}, ${SAMPLES} draws of ${FUTURE}; ${epochs} epochs`);
console.log(`teacher labels: ${teacherTrain.labelled} BC + ${teacherHeld.labelled} held-out decisions (${teacherTrain.missed + teacherHeld.missed} picks outside the 128 candidates, unlabelled)`);
console.log(`scored on ${PROBE_SEED}, ${nProbe} windows, main simulator; F1 mean bsld ${(sum(f1Probe) / nProbe).toFixed(2)}; 95 % interval: paired bootstrap over windows, 10,000 resamples`);
console.log('| student | top-1 agreement (held-out) | mean bsld | ÷ F1 [95 %] | windows won | 10-window sets ≥ 1.43 % ahead |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const n of nets) {
  const xs = per.get(n.name) as number[];
  const v = versusF1(xs, f1Probe, PROBE_SEED, n.name, AHEAD);
  const top1 = n.top1 === undefined ? '–' : `${(100 * n.top1).toFixed(1)} % (${n.note})`;
  console.log(`| ${n.name} | ${top1} | ${(sum(xs) / nProbe).toFixed(2)} | ${v.ratio.toFixed(4)} [${v.lo.toFixed(4)}, ${v.hi.toFixed(4)}] | ${v.won} | ${(100 * v.setsAhead).toFixed(1)} % |`);
}
const best = Math.min(...nets.filter((n) => n.name.startsWith('BC') || n.name.startsWith('DAgger')).map((n) => sum(per.get(n.name) as number[]) / sum(f1Probe)));
console.log(`gate (plan): a teacher student at or below 0.97 of F1 on ${PROBE_SEED}: best ${best.toFixed(4)} → ${best <= 0.97 ? 'met' : 'not met'}`);
console.log(summary());
