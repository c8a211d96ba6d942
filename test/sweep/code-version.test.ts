import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellHash } from '../../src/sweep/cell.js';
import { codeFingerprint, fingerprintOf } from '../../src/sweep/code-version.js';
import { planSweep } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/tiny.yaml');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A package folder with package.json, a code tree `dist/` holding `files`, and installed `deps` (name → version). */
function tree(files: Record<string, string>, version = '1.0.0', deps: Record<string, string> = { solver: '1.0.0' }): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'drs-code-'));
  dirs.push(root);
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ version, dependencies: { solver: '^1.0.0' } }));
  for (const [name, v] of Object.entries(deps)) {
    mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: v }));
  }
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, 'dist', rel)), { recursive: true });
    writeFileSync(path.join(root, 'dist', rel), text);
  }
  return path.join(root, 'dist');
}

describe('the code fingerprint a sweep keys its results by', () => {
  it('is equal for equal code trees and changes with one byte of code, a renamed file, the version or a runtime dependency', () => {
    const base = { 'sim/engine.js': 'export const x = 1;\n', 'cli/main.js': 'run();\n', 'README.md': 'docs' };
    const a = fingerprintOf(tree(base));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintOf(tree(base))).toBe(a);
    expect(fingerprintOf(tree({ ...base, 'sim/engine.js': 'export const x = 2;\n' }))).not.toBe(a);
    const { 'sim/engine.js': moved, ...rest } = base;
    expect(fingerprintOf(tree({ ...rest, 'sim/engine2.js': moved }))).not.toBe(a);
    expect(fingerprintOf(tree(base, '1.0.1'))).not.toBe(a);
    // A runtime dependency upgraded or missing (a new solver may answer otherwise); another package's version does not count.
    expect(fingerprintOf(tree(base, '1.0.0', { solver: '1.1.0' }))).not.toBe(a);
    expect(fingerprintOf(tree(base, '1.0.0', {}))).not.toBe(a);
    expect(fingerprintOf(tree(base, '1.0.0', { solver: '1.0.0', unrelated: '9.9.9' }))).toBe(a);
    // Not code: a README or a source map does not change what runs.
    expect(fingerprintOf(tree({ ...base, 'README.md': 'other docs', 'sim/engine.js.map': '{}' }))).toBe(a);
  });

  it('is part of every cell key: the same cell planned by other code has another hash', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    const c = plan.cells[0]!;
    expect(c.code).toBe(codeFingerprint());
    expect(cellHash(c.scenario, c.strategy, c.seed, {}, c.code)).not.toBe(cellHash(c.scenario, c.strategy, c.seed, {}, 'another-build'));
    expect(new Set(plan.cells.map((x) => x.code)).size).toBe(1);
  });
});
