import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of ARCHITECTURE.md, enforced: which module may import which, nobody
 * imports the CLI, no import cycles between files, and no Math.random in src/.
 */
const SRC = path.resolve(import.meta.dirname, '../src');

const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  algorithms: ['core'],
  queue: ['core'],
  predict: ['core'],
  packing: ['core'],
  traces: ['core', 'packing'],
  autoscale: ['core', 'predict'],
  engine: ['core', 'algorithms', 'queue'],
  sim: ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale', 'traces'],
  scheduler: ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale'],
  learn: ['core', 'algorithms', 'queue', 'engine', 'sim', 'traces'],
  compat: ['core', 'algorithms', 'queue', 'engine', 'scheduler'],
  agents: ['core', 'algorithms', 'queue', 'engine', 'scheduler', 'autoscale', 'predict'],
  scenario: ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale', 'traces', 'sim', 'agents', 'learn'],
  sweep: ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale', 'traces', 'sim', 'scenario'],
  report: ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale', 'traces', 'sim', 'scenario', 'sweep'],
  cli: ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale', 'traces', 'sim', 'scheduler', 'scenario', 'report', 'sweep', 'learn', 'packing', 'agents', 'compat'],
  'index.ts': ['core', 'algorithms', 'queue', 'engine', 'predict', 'autoscale', 'traces', 'sim', 'scheduler', 'scenario', 'report', 'sweep', 'learn', 'packing', 'agents'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const moduleOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0] as string;

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = (m[1] ?? m[2]) as string;
    out.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

const all = files(SRC);
const graph = new Map(all.map((f) => [f, imports(f)]));

describe('architecture', () => {
  it('modules import only what ARCHITECTURE.md allows', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      const from = moduleOf(f);
      const allowed = ALLOWED[from];
      if (allowed === undefined) {
        bad.push(`${path.relative(SRC, f)}: module '${from}' is not in the design card`);
        continue;
      }
      for (const d of deps) {
        const to = moduleOf(d);
        if (to !== from && !allowed.includes(to)) bad.push(`${path.relative(SRC, f)} imports ${path.relative(SRC, d)} (${from} → ${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 1);
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (!graph.has(d)) continue;
        const s = state.get(d);
        if (s === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => path.relative(SRC, x)).join(' → '));
        else if (s === undefined) visit(d);
      }
      stack.pop();
      state.set(f, 2);
    };
    for (const f of all) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('never uses Math.random in src/ (all randomness comes from the seeded Rng)', () => {
    const offenders = all.filter((f) => /Math\.random\s*\(/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
