/**
 * Playing one window of the imitation probes (bench/learn-imitate.ts, bench/learn-context.ts) in the
 * bench simulator: a driver picks at each decision, and a labeller's pick (the driver's own, or a
 * teacher's) is recorded with the candidates' feature rows, as the probes' training data.
 */
import type { BatchJob } from '../../src/learn/sim-adapter.js';
import { F1_KEY } from '../../src/queue/keys.js';
import type { Decisions } from './fit.js';
import { candidates, makeJob, Sim, type Chooser, type Job } from './sim.js';

export interface Play {
  /** Mean bounded slowdown of the window. */
  bsld: number;
  /** Decisions with a label; label outside the candidates (not recordable); the driver took the label. */
  labelled: number;
  missed: number;
  same: number;
}

/** The candidates' feature rows at a decision (n × F, row-major). */
export type Rows = (sim: Sim, jobs: readonly Job[]) => Float64Array;

export const jobsOf = (js: readonly BatchJob[]): Job[] => js.map((j, i) => makeJob(F1_KEY, j.submit, j.run, j.requested, j.procs, i, i));

/**
 * Play the window `js` (every job must start) on `nodes` nodes driven by `drive`, recording `label`'s
 * pick ('drive': the driver's) at each decision into `into`, with the rows `rows` computes.
 */
export function play(js: readonly BatchJob[], nodes: number, drive: Chooser, label: Chooser | 'drive', rows: Rows, into?: Decisions): Play {
  const r: Play = { bsld: 0, labelled: 0, missed: 0, same: 0 };
  const sim = new Sim(nodes, false, (s) => {
    const a = drive(s);
    if (into === undefined) return a;
    const t = label === 'drive' ? a : label(s);
    if (t === a) r.same++;
    const c = candidates(s);
    const pos = c.at.indexOf(t);
    if (pos < 0) r.missed++;
    else {
      into.add(rows(s, c.jobs), c.jobs.length, pos);
      r.labelled++;
    }
    return a;
  });
  sim.starts = new Float64Array(js.length).fill(NaN);
  sim.run(jobsOf(js));
  if (sim.starts.some(Number.isNaN) || sim.waiting.length > 0 || sim.head !== undefined) throw new Error('a window left jobs unstarted');
  r.bsld = sim.cost / js.length;
  return r;
}
