import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

/*
 * `import 'drs-toolkit'` for the simulator or ResourceScheduler does not load the HTTP service:
 * fastify (a CommonJS package, so it shows in the require cache when loaded) comes in only when
 * startServer is called. Checked in a fresh Node process, on the source (through tsx) and on the
 * built package when dist/ is fresh.
 */

/** In the child: import the entry, report whether fastify is loaded, start and stop a server, report again. */
const probe = (entry: string): string => `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const fastify = () => Object.keys(cache).some((k) => k.includes('/node_modules/fastify/'));
const drs = await import(${JSON.stringify(pathToFileURL(entry).href)});
const atImport = fastify();
const usable = typeof new drs.ResourceScheduler({ timers: false }).allocate === 'function';
const srv = await drs.startServer({ port: 0, tokens: [{ token: 'x'.repeat(20), admin: true }] }, { schedulerOptions: { timers: false } });
const health = (await fetch(srv.url + '/healthz')).status;
await srv.close();
console.log(JSON.stringify({ atImport, usable, afterStart: fastify(), health }));
`;

function run(entry: string, loader: string[]): { atImport: boolean; usable: boolean; afterStart: boolean; health: number } {
  const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', probe(entry)], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as ReturnType<typeof run>;
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const built = path.join(ROOT, 'dist/index.js');
const fresh = existsSync(built) && statSync(built).mtimeMs >= newest(path.join(ROOT, 'src'));

describe('the main entry loads the HTTP service on demand', () => {
  it('src/index.ts: no fastify at import; startServer loads it and serves', () => {
    expect(run(path.join(ROOT, 'src/index.ts'), ['--import', 'tsx'])).toEqual({ atImport: false, usable: true, afterStart: true, health: 200 });
  }, 60_000);

  it.runIf(fresh)('dist/index.js (the package main) likewise', () => {
    expect(run(built, [])).toEqual({ atImport: false, usable: true, afterStart: true, health: 200 });
  }, 60_000);
});
