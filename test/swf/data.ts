import { existsSync } from 'node:fs';
import path from 'node:path';

/** The data root: $DRS_DATA_DIR, else ../shared/data (relative to the project root). */
export const DATA_ROOT = process.env.DRS_DATA_DIR ?? path.resolve('../shared/data');
export const SWF_DIR = path.join(DATA_ROOT, 'swf');

export const SWF_LOGS = {
  'Lublin-1': 'lublin_256.swf.gz',
  'SDSC-SP2': 'SDSC-SP2-1998-4.2-cln.swf.gz',
  HPC2N: 'HPC2N-2002-2.2-cln.swf.gz',
} as const;

/** True when every shipped SWF log is there; otherwise prints why the real-data tests are skipped. */
export function swfDataPresent(suite: string): boolean {
  const missing = Object.values(SWF_LOGS).filter((f) => !existsSync(path.join(SWF_DIR, f)));
  if (missing.length > 0) {
    console.warn(`[${suite}] skipping real-data tests: ${missing.map((f) => path.join(SWF_DIR, f)).join(', ')} not found (set DRS_DATA_DIR to the data root)`);
    return false;
  }
  return true;
}
