/**
 * The imitation probes' score of a policy against F1 on the same windows: the ratio of mean bounded
 * slowdowns with a paired 95 % bootstrap interval over windows (10,000 resamples), the windows won,
 * and the share of 10-window sets (the reference protocol's size) at least `ahead` % better than F1.
 */
import { Rng } from '../../src/core/rng.js';

export interface VersusF1 {
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
  readonly won: number;
  /** Share (0–1) of drawn 10-window sets at or below 1 − ahead/100 of F1. */
  readonly setsAhead: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Resampling seeds: `${seed}:bootstrap:${name}` and `${seed}:sets:${name}`. */
export function versusF1(xs: readonly number[], f1: readonly number[], seed: string, name: string, ahead: number): VersusF1 {
  const n = xs.length;
  const rng = new Rng(`${seed}:bootstrap:${name}`);
  const boot: number[] = [];
  for (let b = 0; b < 10_000; b++) {
    let m = 0;
    let f = 0;
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      m += xs[i] as number;
      f += f1[i] as number;
    }
    boot.push(m / f);
  }
  boot.sort((a, b) => a - b);
  const q = (p: number): number => boot[Math.min(boot.length - 1, Math.floor(p * boot.length))] as number;
  const sets = new Rng(`${seed}:sets:${name}`);
  let hits = 0;
  for (let b = 0; b < 10_000; b++) {
    let m = 0;
    let f = 0;
    for (let k = 0; k < 10; k++) {
      const i = sets.int(n);
      m += xs[i] as number;
      f += f1[i] as number;
    }
    if (m / f <= 1 - ahead / 100) hits++;
  }
  return { ratio: sum(xs) / sum(f1), lo: q(0.025), hi: q(0.975), won: xs.filter((x, i) => x < (f1[i] as number)).length, setsAhead: hits / 10_000 };
}
