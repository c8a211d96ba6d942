import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bench } from 'tinybench';

export interface Figure {
  readonly suite: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Relative margin of error (percent) where tinybench gives one. */
  readonly rme?: number;
  readonly target?: string;
}

export const RESULTS_DIR = path.resolve(import.meta.dirname, 'results');

/**
 * The machine the figures were measured on. The figures are absolute (events/s, seconds) against
 * absolute targets, so the load average from other work goes with them: on the shared 2-core
 * machine a load of 20 made the 1,000,000-request replay 4.5x slower than at a load of 10.
 */
export function machine(): Record<string, unknown> {
  return { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))) };
}

/** Throughput figures from a finished tinybench run; `perOp` = work items done by one task call. */
export function benchFigures(suite: string, bench: Bench, perOp: Record<string, { items: number; unit: string; target?: string }>): Figure[] {
  return bench.tasks.map((t) => {
    const spec = perOp[t.name] ?? { items: 1, unit: 'ops/s' };
    const r = t.result as unknown as { throughput?: { mean: number; rme: number } };
    const mean = r.throughput?.mean ?? 0;
    return { suite, name: t.name, value: mean * spec.items, unit: spec.unit, rme: r.throughput?.rme ?? 0, ...(spec.target ? { target: spec.target } : {}) };
  });
}

export function printFigures(figs: readonly Figure[]): void {
  const rows = figs.map((f) => [f.suite, f.name, fmt(f.value), f.unit, f.rme === undefined ? '' : `±${f.rme.toFixed(1)}%`, f.target ?? '']);
  const header = ['suite', 'case', 'value', 'unit', 'rme', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 2 ? x.padStart(widths[i] as number) : x.padEnd(widths[i] as number))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

function fmt(v: number): string {
  return v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}

export function writeResults(name: string, figs: readonly Figure[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), figures: figs }, null, 2)}\n`);
  return file;
}
