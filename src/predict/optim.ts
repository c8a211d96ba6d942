/**
 * Nelder-Mead simplex minimisation (Nelder & Mead 1965, standard coefficients: reflection 1,
 * expansion 2, contraction 0.5, shrink 0.5). Derivative-free, deterministic, small: enough for
 * the 1-4 smoothing parameters of the exponential-smoothing models, which we optimise in an
 * unconstrained space mapped into their bounds (see `sigmoid`).
 */
export interface NelderMeadOptions {
  /** Initial simplex edge length (in the unconstrained space). */
  step?: number;
  maxEvals?: number;
  /** Stop when the spread of f over the simplex falls below tol * (|f_best| + 1e-12). */
  tol?: number;
}

export interface Minimum {
  x: number[];
  f: number;
  evals: number;
}

export function nelderMead(f: (x: number[]) => number, x0: readonly number[], opts: NelderMeadOptions = {}): Minimum {
  const n = x0.length;
  const step = opts.step ?? 0.5;
  const maxEvals = opts.maxEvals ?? 200 * n;
  const tol = opts.tol ?? 1e-9;
  let evals = 0;
  const fx = (x: number[]): number => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let simplex: { x: number[]; f: number }[] = [{ x: [...x0], f: fx([...x0]) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = (x[i] ?? 0) + step;
    simplex.push({ x, f: fx(x) });
  }
  const combine = (a: number[], b: number[], t: number): number[] => a.map((ai, i) => ai + t * ((b[i] ?? 0) - ai));
  while (evals < maxEvals) {
    simplex.sort((p, q) => p.f - q.f);
    const best = simplex[0] as { x: number[]; f: number };
    const worst = simplex[n] as { x: number[]; f: number };
    const second = simplex[n - 1] as { x: number[]; f: number };
    if (Math.abs(worst.f - best.f) <= tol * (Math.abs(best.f) + 1e-12)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] = (centroid[j] ?? 0) + ((simplex[i] as { x: number[] }).x[j] ?? 0) / n;
    const xr = combine(centroid, worst.x, -1);
    const fr = fx(xr);
    if (fr < best.f) {
      const xe = combine(centroid, worst.x, -2);
      const fe = fx(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
    } else if (fr < second.f) {
      simplex[n] = { x: xr, f: fr };
    } else {
      const outside = fr < worst.f;
      const xc = combine(centroid, outside ? xr : worst.x, 0.5);
      const fc = fx(xc);
      if (fc < (outside ? fr : worst.f)) {
        simplex[n] = { x: xc, f: fc };
      } else {
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = combine(best.x, p.x, 0.5);
          return { x, f: fx(x) };
        });
      }
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  const top = simplex[0] as { x: number[]; f: number };
  return { x: top.x, f: top.f, evals };
}

/** Minimise from several starting points; the lowest minimum wins (ties: the earlier start). */
export function multiStart(f: (x: number[]) => number, starts: readonly (readonly number[])[], opts: NelderMeadOptions = {}): Minimum {
  let best: Minimum | undefined;
  for (const s of starts) {
    const m = nelderMead(f, s, opts);
    if (best === undefined || m.f < best.f) best = m;
  }
  if (best === undefined) throw new RangeError('multiStart needs at least one starting point');
  return best;
}

/** Logistic map R -> (lo, hi): optimise bounded parameters without constraints. */
export function sigmoid(u: number, lo = 0, hi = 1): number {
  return lo + (hi - lo) / (1 + Math.exp(-u));
}

/** Inverse of `sigmoid`, for turning a starting value into the unconstrained space. */
export function logit(p: number, lo = 0, hi = 1): number {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, (p - lo) / (hi - lo)));
  return Math.log(q / (1 - q));
}
