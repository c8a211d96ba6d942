import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli/helpers.js';

/*
 * The package as `npm install drs-toolkit` delivers it: what the tarball holds (npm pack's own file
 * list, so the "files" field and .npmignore rules are what is tested), what its "exports" let a
 * project reach, and that what the code loads at run time is a dependency, not a devDependency.
 */

interface Pkg {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
  exports: Record<string, unknown>;
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Pkg;

function packedFiles(): string[] {
  // --ignore-scripts: list without running `prepare` (the build); dist/ is listed as it is on disk.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const [entry] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  return (entry?.files ?? []).map((f) => f.path);
}

const listDir = (dir: string, ext: string): string[] =>
  readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`);

describe('the npm package', () => {
  const files = packedFiles();
  const shipped = new Set(files);

  it('ships what it loads at run time: the CLI launcher, every model the learned strategies load by name, the bundled scenarios', () => {
    expect(shipped).toContain('bin/drs.js');
    expect(shipped).toContain('package.json');
    const models = listDir('models', '.json');
    expect(models).toEqual(expect.arrayContaining(['models/allocator/agent-fleet.json', 'models/queue/hpc2n.json']));
    for (const f of [...models, ...listDir('scenarios', '.yaml')]) expect(shipped, f).toContain(f);
  });

  it('ships no tests, benchmarks, training configs, sources, notebooks, CI files or source maps', () => {
    const unwanted = files.filter((f) => /^(test|bench|train|src|notebooks|examples|docs|scripts|\.ci)\//.test(f) || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    expect(unwanted).toEqual([]);
  });

  it.skipIf(!shipped.has('dist/index.js'))('ships the entry points its "exports" name (when dist/ is built)', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/compat/index.js', 'dist/compat/index.d.ts', 'dist/cli/main.js']) expect(shipped, f).toContain(f);
  });

  // README "Library": CommonJS may require() the package on a Node that loads ES modules with require
  // (20.19+). A top-level await anywhere in the entry points' module graph would break that
  // (ERR_REQUIRE_ASYNC_MODULE), so both entries are required here from a CommonJS script.
  const requireEsm = (process.features as { require_module?: boolean }).require_module === true;
  it.skipIf(!shipped.has('dist/index.js') || !requireEsm)('lets a CommonJS project require() both entry points (when dist/ is built)', () => {
    const script = `const d = require(${JSON.stringify(path.join(ROOT, 'dist/index.js'))}); const c = require(${JSON.stringify(path.join(ROOT, 'dist/compat/index.js'))});
const s = new d.ResourceScheduler({ strategy: 'first-fit', timers: false }); s.addPool({ name: 'p', capacity: { cpu: 2, memory: 2, gpu: 0 }, nodes: 1 });
console.log(s.allocate({ units: 1 }).status, typeof c.ResourceScheduler); s.close();`;
    const r = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('allocated function');
  }, 60_000);

  it('lets a project locate the bundled scenarios and package.json through "exports"', () => {
    // Without these entries `import.meta.resolve('drs-toolkit/scenarios/default.yaml')` failed with ERR_PACKAGE_PATH_NOT_EXPORTED.
    const req = createRequire(path.join(ROOT, 'index.js')); // a module inside the package: the name resolves to itself
    expect(req.resolve('drs-toolkit/scenarios/default.yaml')).toBe(path.join(ROOT, 'scenarios', 'default.yaml'));
    expect(req.resolve('drs-toolkit/package.json')).toBe(path.join(ROOT, 'package.json'));
    expect(() => req.resolve('drs-toolkit/test/package.test.ts')).toThrow(/not defined by "exports"/);
  });

  it('needs at run time only its dependencies and Node built-ins (a devDependency is not installed for users)', () => {
    const runtime = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    for (const f of listDir('src', '.ts')) {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      // Value imports (not `import type`), re-exports, dynamic imports and require.resolve of a package.
      const specs = [
        ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gm)].map((m) => m[1] as string),
        ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1] as string),
        ...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] as string),
        ...[...text.matchAll(/\.resolve\(\s*'([^'.][^']*)'\s*\)/g)].map((m) => m[1] as string),
      ];
      for (const s of specs) {
        if (s.startsWith('.') || s.startsWith('node:') || builtins.has(s)) continue;
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string);
        // core/thread.ts loads tsx only when the caller is a .ts file (tests, tsx), never from dist/.
        if (name === 'tsx' && f === 'src/core/thread.ts') continue;
        if (!runtime.has(name)) missing.push(`${f}: '${s}'${name in pkg.devDependencies ? ' (a devDependency)' : ''}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
