import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PackingInstance } from '../../src/packing/index.js';
import { parseOrLibrary } from '../../src/traces/bin-packing.js';

/** The shared OR-Library files (never copied into the repo). */
export const ORLIB_DIR = path.join(process.env.DRS_DATA_DIR ?? path.resolve('../shared/data'), 'binpacking', 'orlib');
export const HAVE_ORLIB = existsSync(path.join(ORLIB_DIR, 'binpack1.txt')) && existsSync(path.join(ORLIB_DIR, 'optima.tsv'));
if (!HAVE_ORLIB) console.warn(`skipping OR-Library packing tests: ${ORLIB_DIR} has no binpack1.txt/optima.tsv (set DRS_DATA_DIR)`);

export function orlibInstance(file: string, name: string): PackingInstance {
  const p = path.join(ORLIB_DIR, file);
  const found = parseOrLibrary(readFileSync(p, 'utf8'), p).find((i) => i.name === name);
  if (found === undefined) throw new Error(`${name} not in ${p}`);
  return found;
}

export function optimum(name: string): number {
  for (const line of readFileSync(path.join(ORLIB_DIR, 'optima.tsv'), 'utf8').split('\n')) {
    const [inst, lb] = line.split('\t');
    if (inst === name) return Number(lb);
  }
  throw new Error(`${name} not in optima.tsv`);
}
