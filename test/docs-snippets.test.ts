import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli/helpers.js';

/*
 * A team that adds drs-toolkit to its service starts from the README's and docs' code. Every
 * ```ts block that imports 'drs-toolkit' type-checks as written, in a strict ES-module project
 * (top-level await, import.meta), against the public API (src/index.ts, src/compat/index.ts). A
 * block that is an outline with the user's parts left out (`pools: [...]`, their hooks) is fenced
 * ```ts sketch and is not compiled. test/cli/examples.test.ts checks what the blocks import.
 */

const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block { file: string; line: number; code: string }
function blocks(): Block[] {
  const out: Block[] = [];
  for (const file of DOCS) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
      const code = m[1] as string;
      if (/from\s+'drs-toolkit(\/compat)?'/.test(code)) out.push({ file, line: text.slice(0, m.index).split('\n').length, code });
    }
  }
  return out;
}

describe('code in the README and docs', () => {
  it('every complete block that imports drs-toolkit type-checks as written (strict, ES module)', () => {
    const found = blocks();
    expect(found.map((b) => b.file)).toEqual(expect.arrayContaining(['README.md', 'docs/compat.md', 'docs/serve.md', 'docs/forecasting.md']));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-doc-ts-'));
    try {
      writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
      const names = found.map((b, i) => {
        const name = `${b.file.replace(/\W/g, '_')}_L${b.line}_${i}.ts`;
        writeFileSync(path.join(dir, name), `export {};\n${b.code}`); // a module of its own: no name clashes between blocks
        return name;
      });
      const config = {
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
          types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')],
          paths: { 'drs-toolkit': [path.join(ROOT, 'src/index.ts')], 'drs-toolkit/compat': [path.join(ROOT, 'src/compat/index.ts')] },
        },
        files: names,
      };
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
      const r = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
      // Errors name the block's file and the line of its fence (…_L<line>_…); a block's line n is line n+1 of its file.
      const ours = r.stdout.split('\n').filter((l) => l.includes('error TS') && !l.includes(`${path.sep}src${path.sep}`));
      expect(ours).toEqual([]);
      expect(r.stdout + r.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
