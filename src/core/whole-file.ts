import { accessSync, chmodSync, closeSync, constants, existsSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from './errors.js';
import { makeFolder } from './folders.js';

/** Partial files opened by this process with `concurrent` (their names differ by it). */
let written = 0;

/** What `PartialFile.open` does in the cases below. */
export interface PartialFileOptions {
  readonly inPlaceWhenRefused?: boolean;
  readonly concurrent?: boolean;
  /** false: no fsync before the rename (a reader that takes a cut-off file for a missing one). */
  readonly flush?: boolean;
}

/**
 * A file written whole or not at all: the data goes to FILE.partial beside it, which takes the
 * name FILE on `commit()`; `abort()` removes it, so a write that fails part-way (a full disk, a
 * file size limit) or a run that stops leaves FILE as it was (or absent), never the first part of
 * the data under the name of a complete file. The `--events` writer (src/report/events.ts) writes
 * through it, and every other file the CLI writes through `writeFileWhole` below: `--json` and
 * `--html` (`writeWhole`, src/cli/output.ts), generate-swf and serve-config `--out`, drs train's
 * model file, a sweep cell's result.
 *
 * - A FILE.partial left by an interrupted run is removed and the new one created ('wx'), never
 *   opened through (a link there would have its target written, then be renamed over FILE).
 * - The partial file takes FILE's permissions (not the umask's): a private file stays private.
 * - Through a symbolic link, the file it points to is replaced and the link stays (or created,
 *   when the link names a file that is not there yet).
 * - A FIFO or device (`/dev/stdout`) cannot be renamed over: it is written in place.
 * - `inPlaceWhenRefused`: an existing file in a folder where no new file may be created (EACCES,
 *   EPERM on FILE.partial, or on removing a leftover one) is written in place instead of refused.
 * - `concurrent`: other processes may write FILE at the same time (a sweep's results folder that
 *   two sweeps share): the partial file is FILE.<host>.<pid>.<n>.partial, one per write, as one
 *   writer removing another's FILE.partial would rename a half-written file to FILE. (A writer
 *   that is killed leaves its own behind: no other writer can tell it from one still writing.)
 * - The data is flushed to the disk (fsync) before the rename: a machine that goes down right
 *   after it finds the new file, or the old one, never an empty one under the name (`flush:
 *   false` leaves that out, for a reader that reads an empty or cut-off file as no file).
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
    private readonly flush = true,
  ) {
    this.fd = fd;
  }

  /** Open FILE.partial for writing (or FILE itself, in the cases above). Throws the system error. */
  static open(file: string, options: PartialFileOptions = {}): PartialFile {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st !== undefined && !st.isFile()) return new PartialFile(openSync(file, 'w'), undefined, file);
    const target = st === undefined ? danglingTarget(file) : realpathSync(file);
    const partial = options.concurrent === true ? `${target}.${hostname()}.${process.pid}.${++written}.partial` : `${target}.partial`;
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
    const out = new PartialFile(fd, partial, target, options.flush !== false);
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
    if (this.partial !== undefined && this.flush) fsyncSync(this.fd);
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

/**
 * The path a new file at `file` gets: `file` itself, or through a symbolic link to a file that
 * is not there yet (`latest.json -> runs/42.json`), the path the link (or chain) names, each
 * link read relative to its own folder. Renamed over the link itself, the new file would replace
 * the link and never be created where it points (writeFileSync creates it there).
 */
function danglingTarget(file: string): string {
  let p = file;
  for (let hops = 0; hops < 40; hops++) {
    const l = lstatSync(p, { throwIfNoEntry: false });
    if (l === undefined || !l.isSymbolicLink()) return p;
    p = path.resolve(realpathSync(path.dirname(p)), readlinkSync(p));
  }
  throw Object.assign(new Error(`ELOOP: too many symbolic links, open '${file}'`), { code: 'ELOOP' });
}

/**
 * Write `data` as the whole of `file` through a PartialFile (the options above): a write that
 * fails part-way (a full disk, a file size limit, a folder that refuses new files) throws the
 * system error and leaves `file` as it was, or absent, with no partial file beside it. `write`
 * writes the data to the descriptor (tests inject a failing one).
 */
export function writeFileWhole(file: string, data: string | Uint8Array, options: PartialFileOptions & { readonly write?: (fd: number, data: string | Uint8Array) => void } = {}): void {
  const out = PartialFile.open(file, options);
  try {
    (options.write ?? writeFileSync)(out.fd, data);
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
}

/**
 * The cause of a failed write in words for a message that names the file itself: a system error's
 * code and description ("ENOSPC: no space left on device") without the path Node appends (that
 * of the partial file), anything else as its message.
 */
export function writeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return code === undefined ? e.message : e.message.replace(/, \w+(?: '.*')?$/s, '');
}

/**
 * Write `files` (name: data) as the whole of folder `dir` (a saved model whose files belong
 * together): they go to DIR.partial beside it, each flushed to the disk; then DIR, when it exists,
 * is moved to DIR.previous, DIR.partial takes its name, the files of the old DIR that `files` does
 * not name (a user's notes) are moved into the new one, and DIR.previous is removed. A write that
 * fails leaves DIR as it was and no DIR.partial; DIR's parents are made (makeFolder: a UserError
 * when they cannot be); a leftover DIR.partial is removed. Through a symbolic link, the folder it
 * points to is replaced (or made, when the link names a folder not there yet).
 *
 * An existing DIR that cannot be replaced (its parent refuses new entries, EACCES or EPERM; it is
 * a mount point, EBUSY or EXDEV) is written in place, one whole file after another in the order of
 * `files`: put last the file that records the others, so a reader can tell a save stopped
 * part-way (the files are then of two saves, and the previous one is lost).
 *
 * A save stopped between the two renames leaves the old folder as DIR.previous: a later save
 * refuses to run while it is there (a UserError saying what it holds), rather than remove it.
 * Throws the system error of a failed write, `code` ENOTDIR for a DIR that is a file.
 */
export function writeFolderWhole(dir: string, files: Readonly<Record<string, string | Uint8Array>>, options: { readonly write?: (fd: number, data: string | Uint8Array) => void } = {}): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st !== undefined && !st.isDirectory()) throw Object.assign(new Error(`${dir} is a file, not a folder`), { code: 'ENOTDIR' });
  const target = st === undefined ? path.resolve(danglingTarget(dir)) : realpathSync(dir);
  const partial = `${target}.partial`;
  const previous = `${target}.previous`;
  if (existsSync(previous)) throw new UserError(`${previous} is left by a save into ${target} that was stopped: it holds what ${target} held before; move back what you want to keep from it and remove it, then save again`, { file: previous });
  makeFolder(path.dirname(target), target);
  if (st !== undefined) refuseReadOnly(target, st.mode);
  const inPlace = (e: unknown): boolean => st !== undefined && ['EACCES', 'EPERM', 'EBUSY', 'EXDEV'].includes((e as NodeJS.ErrnoException).code ?? '');
  const writeInPlace = (): void => {
    for (const [name, data] of Object.entries(files)) writeFileWhole(path.join(target, name), data, { inPlaceWhenRefused: true, ...(options.write !== undefined ? { write: options.write } : {}) });
  };
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial);
  } catch (e) {
    if (inPlace(e)) return writeInPlace();
    throw e;
  }
  try {
    if (st !== undefined) chmodSync(partial, st.mode & 0o7777);
    for (const [name, data] of Object.entries(files)) {
      const fd = openSync(path.join(partial, name), 'wx');
      try {
        (options.write ?? writeFileSync)(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    if (st === undefined) {
      renameSync(partial, target);
      return;
    }
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  try {
    renameSync(target, previous);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    if (inPlace(e)) return writeInPlace();
    throw e;
  }
  try {
    renameSync(partial, target);
  } catch (e) {
    renameSync(previous, target);
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  for (const name of readdirSync(previous)) if (!Object.hasOwn(files, name)) renameSync(path.join(previous, name), path.join(target, name));
  rmSync(previous, { recursive: true, force: true });
}

/**
 * A folder this process may not write (its owner made it read-only): a save would fail inside
 * DIR.partial, or moving the old folder's other files; refused up front, naming the folder.
 */
function refuseReadOnly(dir: string, mode: number): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw Object.assign(new Error(`${dir} is read-only (mode ${(mode & 0o777).toString(8)}): make it writable (chmod u+w) or save elsewhere`), { code: 'EACCES' });
  }
}
