import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { ROOT } from './helpers.js';

/**
 * Run an ES-module `script` in a fresh node (with tsx) as an unprivileged user: as root every
 * folder is writable, so a test of a read-only folder runs the code as nobody (`setpriv`).
 */
export function runScriptAsNobody(script: string): SpawnSyncReturns<string> {
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
  return spawnSync(asUser[0] as string, [...asUser.slice(1), '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
}
