import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the code this process runs: `dist/` for the built package, `src/` under tsx. */
const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CODE_FILE = /\.(js|ts|mjs|cjs|json)$/;

let cached: string | undefined;

/**
 * A fingerprint of the DRS code this process runs: SHA-256 over the package version, the installed
 * version of each runtime dependency, and every code file of the tree this module was loaded from
 * (relative path and contents, in path order), first 16 hex digits. Two processes running the same build agree; a rebuilt simulator, strategy
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
  const pkg = packageJson(root);
  h.update(`drs ${typeof pkg?.version === 'string' ? pkg.version : 'unknown'}\0`);
  // The runtime libraries as installed (a new HiGHS or TensorFlow.js may answer otherwise).
  for (const dep of Object.keys({ ...pkg?.dependencies, ...pkg?.optionalDependencies }).sort()) h.update(`${dep}@${installedVersion(root, dep)}\0`);
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

interface PackageJson {
  readonly version?: unknown;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

function readJson(file: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** The package.json next to the code tree (undefined when there is none). */
function packageJson(root: string): PackageJson | undefined {
  return readJson(path.join(root, '..', 'package.json'));
}

/** The version of `dep` that Node would load from the package (node_modules upwards), or 'absent'. */
function installedVersion(root: string, dep: string): string {
  for (let dir = path.resolve(root, '..'); ; dir = path.dirname(dir)) {
    const v = readJson(path.join(dir, 'node_modules', dep, 'package.json'))?.version;
    if (typeof v === 'string') return v;
    if (path.dirname(dir) === dir) return 'absent';
  }
}
