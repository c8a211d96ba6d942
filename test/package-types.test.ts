import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli/helpers.js';

/*
 * The declarations a TypeScript project sees after `npm install drs-toolkit` type-check in a strict
 * project that checks libraries too (`skipLibCheck: false`). TensorFlow.js's own .d.ts files fail
 * such a check (tfjs-layers: 15 errors under `strict`), so no declaration reachable from the
 * package's entry points may import '@tensorflow/*': the trainers and neural forecasters that use
 * it are internal. The declarations are emitted afresh from src/ (not read from a possibly stale dist/).
 */

const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const ENTRIES = ['index.d.ts', 'compat/index.d.ts'];
let out = '';

beforeAll(() => {
  const cache = path.join(ROOT, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  out = mkdtempSync(path.join(cache, 'drs-dts-')); // inside the package, so bare imports resolve to its node_modules
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--declarationMap', 'false', '--outDir', out], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every declaration file reachable from the entries through relative imports, with the bare specifiers each imports. */
function reachable(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = ENTRIES.map((e) => path.join(out, e));
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
    seen.set(file, specs.filter((s) => !s.startsWith('.')));
    for (const s of specs.filter((x) => x.startsWith('.'))) todo.push(path.resolve(path.dirname(file), s.replace(/\.js$/, '.d.ts')));
  }
  return seen;
}

describe('the published type declarations', () => {
  it('reach no TensorFlow.js types from the entry points', () => {
    const files = reachable();
    expect(files.size).toBeGreaterThan(50); // the walk followed the imports
    const tf = [...files].filter(([, bare]) => bare.some((s) => s.startsWith('@tensorflow/'))).map(([f]) => path.relative(out, f));
    expect(tf).toEqual([]);
  });

  it('type-check under strict with skipLibCheck false', () => {
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--types', 'node', ...ENTRIES.map((e) => path.join(out, e))], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
