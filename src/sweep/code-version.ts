import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the code this process runs: `dist/` for the built package, `src/` under tsx. */
const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CODE_FILE = /\.(js|ts|mjs|cjs|json)$/;

let cached: string | undefined;

/**
 * A fingerprint of the DRS code this process runs: SHA-256 over the package version and every
 * code file of the tree this module was loaded from (relative path and contents, in path order),
 * first 16 hex digits. Two processes running the same build agree; a rebuilt simulator, strategy
 * or metric changes it. A sweep puts it in every cell's key, so results computed by other code are
 * never resumed into one aggregate, and a queue worker running other code refuses the cell.
 */
export function codeFingerprint(): string {
  cached ??= fingerprintOf(CODE_ROOT);
  return cached;
}

/** The fingerprint of the code tree at `root` (exported for tests). */
export function fingerprintOf(root: string): string {
  const h = createHash('sha256');
  h.update(`drs ${packageVersion(root)}\0`);
  for (const rel of codeFiles(root)) {
    h.update(`${rel}\0`);
    h.update(readFileSync(path.join(root, rel)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function codeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && CODE_FILE.test(e.name)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** The version in the package.json next to the code tree, or 'unknown'. */
function packageVersion(root: string): string {
  try {
    const v = (JSON.parse(readFileSync(path.join(root, '..', 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}
