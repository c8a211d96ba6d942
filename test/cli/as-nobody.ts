import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

/**
 * Run an ES-module `script` in a fresh node (with tsx) as an unprivileged user: as root every
 * folder is writable, so a test of a read-only folder runs the code as nobody (`setpriv`).
 */
export function runScriptAsNobody(script: string): SpawnSyncReturns<string> {
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
  return spawnSync(asUser[0] as string, [...asUser.slice(1), '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
}

/**
 * A folder `name` under `parent` holding a file `file` (text "the previous run\n") that anyone may
 * write, in a folder no one but root may create files in; `extra` files are written there first.
 * `unlock()` makes the folder writable again (so the test's clean-up can remove it).
 */
export function readOnlyFolderWith(parent: string, name: string, file: string, extra: Record<string, string> = {}): { folder: string; out: string; unlock: () => void } {
  const folder = path.join(parent, name);
  mkdirSync(folder);
  const out = path.join(folder, file);
  writeFileSync(out, 'the previous run\n');
  for (const [f, text] of Object.entries(extra)) writeFileSync(path.join(folder, f), text);
  chmodSync(out, 0o666);
  chmodSync(folder, 0o555);
  chmodSync(parent, 0o755);
  return { folder, out, unlock: () => chmodSync(folder, 0o755) };
}
