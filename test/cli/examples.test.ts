import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as compat from '../../src/compat/index.js';
import * as api from '../../src/index.js';
import { planSweep } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA, ROOT } from './helpers.js';

const EXAMPLES = path.join(ROOT, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => /\.(ts|mts|js|mjs)$/.test(f));

describe('examples use the package as a user would', () => {
  it.each(files)('%s imports drs-toolkit, never the source tree', (f) => {
    const text = readFileSync(path.join(EXAMPLES, f), 'utf8');
    const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1] as string);
    for (const s of specifiers) expect(s.startsWith('.') || s.startsWith('/'), `${f} imports '${s}'`).toBe(false);
    // Every value it takes from the package is in the public export list (src/index.ts → dist/index.js).
    for (const m of text.matchAll(/import\s+\{([^}]+)\}\s+from\s+'drs-toolkit'/g)) {
      const names = (m[1] as string).split(',').map((x) => x.trim()).filter((x) => x !== '' && !x.startsWith('type '));
      for (const n of names) expect(api, `${f}: '${n}' is not exported by drs-toolkit`).toHaveProperty(n.split(/\s+as\s+/)[0] as string);
    }
  });

  it('the package name resolves to the built entry point (self-reference through "exports")', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { default: string }> };
    expect(pkg.name).toBe('drs-toolkit');
    expect(pkg.exports['.']?.default).toBe('./dist/index.js');
  });

  it("examples/sweep.yaml is the README's sweep file, and every examples/ file the README names exists", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /```yaml\n(# examples\/sweep\.yaml:[\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(readFileSync(path.join(EXAMPLES, 'sweep.yaml'), 'utf8')).toBe(block);
    // The README's sweep commands ran `drs sweep sweep.yaml`, a file the repository did not have.
    const named = new Set([...readme.matchAll(/\bexamples\/[\w.-]+\.\w+/g)].map((m) => m[0]));
    expect(named).toContain('examples/sweep.yaml');
    for (const f of named) expect(existsSync(path.join(ROOT, f)), f).toBe(true);
    const plan = await planSweep(await loadSweep(path.join(EXAMPLES, 'sweep.yaml')), DATA);
    expect(plan.strategies).toEqual(['first-fit', 'best-fit-decreasing', 'worst-fit']);
    expect(plan.cells).toHaveLength(2 * 3 * 10);
  });

  it("the README's and docs' code imports only what drs-toolkit (and drs-toolkit/compat) export", () => {
    const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    let seen = 0;
    for (const f of docs) {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/import\s+\{([^}]+)\}\s+from\s+'drs-toolkit(\/compat)?'/g)) {
        const from = m[2] === undefined ? api : compat;
        for (const n of (m[1] as string).split(',').map((x) => x.trim()).filter((x) => x !== '' && !x.startsWith('type '))) {
          expect(from, `${f}: '${n}' is not exported by drs-toolkit${m[2] ?? ''}`).toHaveProperty(n);
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(12);
  });

  it("the README's simulate-from-code block is examples/simulate.ts from its first import on", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /### Simulate from code\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = readFileSync(path.join(EXAMPLES, 'simulate.ts'), 'utf8');
    expect(block).toBeDefined();
    expect(block).toBe(file.slice(file.indexOf('\nimport ') + 1));
  });

  it('a code block that imports from drs-toolkit imports every export it uses', () => {
    const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const exported = Object.keys(api).filter((n) => /^[A-Za-z]\w{3,}$/.test(n));
    for (const f of docs) {
      for (const b of readFileSync(path.join(ROOT, f), 'utf8').matchAll(/```ts(?: sketch)?\n([\s\S]*?)```/g)) {
        const code = b[1] as string;
        const imports = [...code.matchAll(/import\s+\{([^}]+)\}\s+from\s+'drs-toolkit(?:\/compat)?'/g)];
        if (imports.length === 0) continue;
        const imported = new Set(imports.flatMap((m) => (m[1] as string).split(',').map((x) => x.trim().replace(/^type\s+/, ''))));
        const body = code.replace(/^import .*$/gm, '').replace(/\/\/.*$/gm, '');
        const used = exported.filter((n) => new RegExp(`\\b${n}\\b`).test(body));
        // docs/agents.md's drs serve snippet used AgentScheduler, agentRoutes and ResourceScheduler but imported only startServer.
        expect(used.filter((n) => !imported.has(n)), `${f}: a block importing from drs-toolkit`).toEqual([]);
      }
    }
  });
});
