import { closeSync, fchmodSync, openSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';

/**
 * A file written whole or not at all: the data goes to FILE.partial beside it, which takes the
 * name FILE on `commit()`; `abort()` removes it, so a write that fails part-way (a full disk, a
 * file size limit) or a run that stops leaves FILE as it was (or absent), never the first part of
 * the data under the name of a complete file. The `--events` writer (events.ts) and the `--json`
 * and `--html` files (`writeWhole`, src/cli/output.ts) both write through it.
 *
 * - A FILE.partial left by an interrupted run is removed and the new one created ('wx'), never
 *   opened through (a link there would have its target written, then be renamed over FILE).
 * - The partial file takes FILE's permissions (not the umask's): a private file stays private.
 * - Through a symbolic link, the file it points to is replaced and the link stays.
 * - A FIFO or device (`/dev/stdout`) cannot be renamed over: it is written in place.
 * - `inPlaceWhenRefused`: an existing file in a folder where no new file may be created (EACCES,
 *   EPERM on FILE.partial, or on removing a leftover one) is written in place instead of refused.
 */
export class PartialFile {
  /** The descriptor to write to, until `commit()` or `abort()`. */
  readonly fd: number;
  private closed = false;

  private constructor(
    fd: number,
    /** The file written until commit(), or undefined when FILE itself is written (in place). */
    private readonly partial: string | undefined,
    /** FILE, through symbolic links (the file the rename replaces). */
    private readonly target: string,
  ) {
    this.fd = fd;
  }

  /** Open FILE.partial for writing (or FILE itself, in the cases above). Throws the system error. */
  static open(file: string, options: { readonly inPlaceWhenRefused?: boolean } = {}): PartialFile {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st !== undefined && !st.isFile()) return new PartialFile(openSync(file, 'w'), undefined, file);
    const target = st === undefined ? file : realpathSync(file);
    const partial = `${target}.partial`;
    let fd: number;
    try {
      // In the try: a folder that refuses new files also refuses removing a leftover one.
      rmSync(partial, { force: true });
      fd = openSync(partial, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (options.inPlaceWhenRefused === true && st !== undefined && (code === 'EACCES' || code === 'EPERM')) return new PartialFile(openSync(target, 'w'), undefined, target);
      throw e;
    }
    const out = new PartialFile(fd, partial, target);
    if (st !== undefined) {
      try {
        fchmodSync(fd, st.mode & 0o777);
      } catch (e) {
        out.abort();
        throw e;
      }
    }
    return out;
  }

  /** Everything is written: close the file and give it the name FILE. */
  commit(): void {
    this.closed = true;
    closeSync(this.fd);
    if (this.partial !== undefined) renameSync(this.partial, this.target);
  }

  /** The write failed: close the file and remove the partial one (FILE is left as it was). Safe to call again. */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch {
        // already unusable: the partial file goes all the same
      }
    }
    if (this.partial !== undefined) rmSync(this.partial, { force: true });
  }
}
