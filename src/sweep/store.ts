import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../core/folders.js';
import type { CellResult } from './cell.js';

/**
 * The results folder of a sweep: one `<cell hash>.json` per completed cell. A sweep that stops
 * (Ctrl-C, a crash, a lost machine) resumes by skipping the cells whose file exists. Files are
 * written to a temporary name and renamed, so a half-written result is never read.
 */
export class ResultStore {
  /** `reuse: false` (a fresh sweep): never read earlier results, only write new ones. */
  constructor(
    readonly dir: string,
    private readonly opts: { reuse: boolean } = { reuse: true },
  ) {
    makeFolder(dir, "the sweep's results");
  }

  private file(hash: string): string {
    return path.join(this.dir, `${hash}.json`);
  }

  get(hash: string): CellResult | undefined {
    const f = this.file(hash);
    if (!this.opts.reuse || !existsSync(f)) return undefined;
    try {
      const r = JSON.parse(readFileSync(f, 'utf8')) as CellResult;
      return r.hash === hash && r.state === 'completed' ? r : undefined;
    } catch {
      return undefined; // unreadable: run the cell again
    }
  }

  /** Completed cells only: a failed cell runs again on resume. */
  put(r: CellResult): void {
    if (r.state !== 'completed') return;
    const f = this.file(r.hash);
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(r));
    renameSync(tmp, f);
  }
}
