import { existsSync } from 'node:fs';
import path from 'node:path';

/** The real data root as the CLI resolves it by default: $DRS_DATA_DIR, else ../shared/data. */
export const DATA_ROOT = path.resolve(process.env.DRS_DATA_DIR ?? path.resolve(import.meta.dirname, '../../../shared/data'));

/**
 * True when every `rel` path exists under the data root; otherwise prints which are missing, so a
 * skipped real-data test always says why (CI fails earlier if the data root is absent).
 */
export function haveData(suite: string, ...rel: string[]): boolean {
  const missing = rel.map((r) => path.join(DATA_ROOT, r)).filter((p) => !existsSync(p));
  if (missing.length > 0) console.warn(`[${suite}] skipping real-data tests: ${missing.join(', ')} not found (set DRS_DATA_DIR to the data root)`);
  return missing.length === 0;
}
