import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The URL of the module `relative` (a path without extension, e.g. `../algorithms/solvers/highs`)
 * as seen from the calling module (`callerUrl`: its import.meta.url), with the caller's own
 * extension: `.js` from the built package (dist/), `.ts` from the TypeScript source (tsx, vitest),
 * where only the `.ts` file exists. For a thread's dynamic `import()` of a module the caller
 * names (a thread started by `startThread` from the source has tsx's loader registered).
 */
export function moduleBeside(callerUrl: string, relative: string): string {
  return new URL(`${relative.startsWith('.') ? '' : './'}${relative}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl).href;
}

/**
 * Start a worker thread on the entry module `entry` (a file name without extension) that sits
 * beside the calling module (`callerUrl`: its import.meta.url). From the built package the caller
 * is a `.js` file in dist/ and the thread runs `entry.js`, plain Node. From the TypeScript source
 * (tsx, vitest) the caller's URL ends in `.ts`: the thread first registers tsx's ESM loader
 * (`tsx/esm/api`, a dev dependency) and then imports `entry.ts`. (A worker's
 * `execArgv: ['--import', 'tsx']` does not apply to the worker's own entry in Node 20.)
 */
export function startThread(callerUrl: string, entry: string, workerData: unknown): Worker {
  const url = moduleBeside(callerUrl, entry);
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(url), { workerData });
  const req = createRequire(callerUrl);
  const tsxDir = path.dirname(req.resolve('tsx/package.json'));
  const pkg = JSON.parse(readFileSync(path.join(tsxDir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(tsxDir, (pkg.exports['./esm/api'] as { import: { default: string } }).import.default)).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(code, { eval: true, workerData });
}
