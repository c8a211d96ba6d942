import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';

/**
 * Create `dir` and any missing parents, one level at a time (a recursive mkdirSync under /proc
 * never returns on Node 20). A failure, or a file where a folder should be, is a UserError naming
 * the folder; `what` says what the folder is for ("the state file", "the sweep's results").
 */
export function makeFolder(dir: string, what: string, location: { readonly file?: string } = {}): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is a file, not a folder: cannot hold ${what}`, location);
    return;
  }
  const missing: string[] = [];
  let d = dir;
  for (; !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new UserError(`${d} is a file, not a folder: cannot hold ${what}`, location);
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new UserError(`cannot create the folder ${m} for ${what} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code})`, location);
    }
  }
}
