/**
 * Training curves of the shipped queue models as one SVG (docs/learned-curve.svg): the greedy
 * policy's validation score against the iteration (mean bounded slowdown on the model's
 * validation windows, or the cross-log score S for a model trained with `also:`), one
 * panel per model (log scale), from the `training.curve` recorded in the model files. Also prints
 * each model's training time as recorded by `drs train` (wall clock on the shared machine).
 *
 *   npx tsx bench/learn-curve.ts
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { modelsDir } from '../src/core/policy-net.js';

interface Point {
  iteration: number;
  trainBsld: number | null;
  validationBsld?: number;
  seconds: number;
}
const dir = `${modelsDir()}queue`;
const models = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { name: string; training: { curve: Point[]; seconds: number; cpuSeconds?: number; selected: { iteration: number }; config: { also?: unknown; cem?: unknown } } });
const W = 300;
const H = 200;
const M = { l: 50, r: 10, t: 28, b: 36 };
const panels: string[] = [];
models.forEach((m, k) => {
  const pts = m.training.curve.filter((p) => p.validationBsld !== undefined);
  const xs = pts.map((p) => p.iteration);
  const ys = pts.map((p) => Math.log10(p.validationBsld as number));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.floor(Math.min(...ys) * 10) / 10;
  const y1 = Math.ceil(Math.max(...ys) * 10) / 10;
  const sx = (x: number): number => M.l + ((x - x0) / Math.max(1, x1 - x0)) * (W - M.l - M.r);
  const sy = (y: number): number => H - M.b - ((y - y0) / Math.max(1e-9, y1 - y0)) * (H - M.t - M.b);
  const line = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.iteration).toFixed(1)},${sy(ys[i] as number).toFixed(1)}`).join(' ');
  const sel = pts.find((p) => p.iteration === m.training.selected.iteration);
  const crossLog = m.training.config.also !== undefined;
  const ticks = [y0, (y0 + y1) / 2, y1].map((y) => `<text x="${M.l - 4}" y="${sy(y) + 4}" text-anchor="end">${(10 ** y).toFixed(crossLog ? 2 : 0)}</text>`).join('');
  panels.push(
    `<g transform="translate(${k * W},0)"><text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">learned-queue:${m.name}${crossLog ? ' (S)' : ''}</text>` +
      `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="#999"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="#999"/>` +
      ticks +
      `<text x="${M.l}" y="${H - M.b + 14}">${x0}</text><text x="${W - M.r}" y="${H - M.b + 14}" text-anchor="end">${x1}</text>` +
      `<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" text-anchor="middle">${m.training.config.cem === undefined ? 'PPO iteration' : 'CEM generation'}</text>` +
      `<path d="${line}" fill="none" stroke="#1f77b4" stroke-width="2"/>` +
      (sel === undefined ? '' : `<circle cx="${sx(sel.iteration)}" cy="${sy(Math.log10(sel.validationBsld as number))}" r="4" fill="#d62728"/>`) +
      `</g>`,
  );
  const cpu = m.training.cpuSeconds === undefined ? '' : `, ${m.training.cpuSeconds.toFixed(0)} s of CPU`;
  console.log(`${m.name}: ${m.training.curve.length - 1} iterations, ${m.training.seconds.toFixed(0)} s of training (wall clock on the shared machine${cpu}), selected iteration ${m.training.selected.iteration}`);
});
const svg =
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W * models.length}" height="${H}" font-family="sans-serif" font-size="11">` +
  `<text x="4" y="${H / 2}" transform="rotate(-90 10 ${H / 2})" text-anchor="middle">validation bsld, or cross-log S (log)</text>` +
  panels.join('') +
  `</svg>\n`;
writeFileSync(path.resolve(import.meta.dirname, '../docs/learned-curve.svg'), svg);
console.log('wrote docs/learned-curve.svg (red dot: the selected model)');
