import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { makeFolder } from '../core/folders.js';
import { writeFileWhole } from '../core/whole-file.js';
import type { CellResult } from './cell.js';

/**
 * The results folder of a sweep: one `<cell hash>.json` per completed cell. A sweep that stops
 * (Ctrl-C, a crash, a lost machine) resumes by skipping the cells whose file exists. Files are
 * written whole (a partial file of this host and process, renamed; src/core/whole-file.ts), so a
 * half-written result is never read, and a failed write leaves no partial file. They are not
 * flushed to the disk one by one: a result cut off by a machine that went down reads as missing
 * (`get`), and its cell runs again.
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
    // `concurrent`: two sweeps of one spec may share the folder and finish the same cell.
    try {
      writeFileWhole(f, JSON.stringify(r), { concurrent: true, flush: false });
    } catch (e) {
      throw new UserError(`cannot write the sweep's result file ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
}
