/**
 * Conformal intervals of the predictive policy, the per-bin work on its error windows: for every
 * step h = 1 … H, add the bin's error to the step's window of the last W and read the step's
 * q-quantile. Before: a plain array (push, splice the oldest off) and conformalQuantile, a copy and
 * a sort per step per bin (what pool-forecast.ts and predictive.ts did); after: ConformalWindow
 * (sorted by binary-search insert and remove). Both in the same run, on the same seeded errors,
 * from full windows; reported as bins per second and the ratio after / before.
 *
 *   nice -n 19 npx tsx bench/conformal-window.ts [--cases 500x180,500x1000,1000x1000]
 *
 * A case HxW is H steps with windows of W errors (autoscale-genai.yaml: conformalWindow 180; the
 * default window is 1,000; MAX_CONFORMAL_STEPS is the largest H a lead may ask for). While the
 * windows fill, the two are checked to give the same quantile at every step of every bin.
 */
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { Rng } from '../src/core/rng.js';
import { conformalQuantile } from '../src/predict/conformal.js';
import { ConformalWindow } from '../src/predict/conformal-window.js';
import { benchFigures, printFigures, type Figure } from './common.js';
import { die } from './usage.js';

const { values: o } = parseArgs({ options: { cases: { type: 'string', default: '500x180,500x1000,1000x1000' } }, strict: true });
const cases = (o.cases ?? '').split(',').map((c) => {
  const m = /^(\d+)x(\d+)$/.exec(c.trim());
  if (m === null || Number(m[1]) < 1 || Number(m[2]) < 1) die(`--cases: expected HxW with whole numbers ≥ 1 (steps x window), separated by commas; got '${c}'`);
  return { steps: Number(m[1]), window: Number(m[2]) };
});

const LEVEL = 0.95;
/** Errors drawn per step, cycled: whole node-equivalents with a spread, so there are ties. */
const DRAWS = 4096;

const figs: Figure[] = [];
for (const { steps, window } of cases) {
  const rng = new Rng(`conformal-window-${steps}x${window}`);
  const draws = Float64Array.from({ length: DRAWS }, () => Math.round(rng.normal(0, 8) * 4) / 4);
  const before: number[][] = Array.from({ length: steps }, () => []);
  const after = Array.from({ length: steps }, () => new ConformalWindow(window));
  let t = 0;
  const nextError = (h: number): number => draws[(t * 31 + h * 7) % DRAWS] as number;
  const sortPerBin = (): number[] =>
    before.map((errors, h) => {
      errors.push(nextError(h));
      if (errors.length > window) errors.splice(0, errors.length - window);
      return conformalQuantile(errors, LEVEL);
    });
  const incremental = (): number[] =>
    after.map((w, h) => {
      w.push(nextError(h));
      return w.quantile(LEVEL);
    });
  // Fill both to `window` errors per step, checking they agree on the way.
  for (t = 0; t < window; t++) {
    const a = sortPerBin();
    const b = incremental();
    if (a.some((q, h) => !Object.is(q, b[h]))) throw new Error(`${steps}x${window}: the quantiles differ at bin ${t}`);
  }
  const bench = new Bench({ time: 1500, warmupTime: 200 });
  const label = `${steps} steps x ${window} errors`;
  bench.add(`${label}: sort per bin (before)`, () => {
    t++;
    sortPerBin();
  });
  bench.add(`${label}: ConformalWindow (after)`, () => {
    t++;
    incremental();
  });
  await bench.run();
  const got = benchFigures('conformal-window', bench, {});
  const [slow, fast] = got;
  figs.push(...got.map((f) => ({ ...f, unit: 'bins/s' })));
  if (slow !== undefined && fast !== undefined) figs.push({ suite: 'conformal-window', name: `${label}: after / before`, value: fast.value / slow.value, unit: 'x' });
}
printFigures(figs);
