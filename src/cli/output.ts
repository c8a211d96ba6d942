import { closeSync, existsSync, mkdirSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileWhole } from '../core/whole-file.js';
import type { CliIo } from './command.js';

/**
 * Write the file a `--json` or `--html` flag asked for (nothing when the flag was not given) and
 * say where it went; a failed write is the user's to fix, so it names the flag and the path (a
 * failure building the text is not: it is thrown as it is).
 * The file is written whole or not at all (`writeWhole`).
 */
export async function saveOutput(io: CliIo, flag: 'json' | 'html', file: string | undefined, text: () => string): Promise<void> {
  if (file === undefined) return;
  const out = path.resolve(io.cwd, file);
  // Built first: a failure there is a fault of ours (it keeps its stack), not the file's.
  const data = text();
  try {
    writeWhole(out, data);
  } catch (e) {
    throw new UserError(`cannot write --${flag} file ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  io.err(`${flag === 'json' ? 'results' : 'report'} written to ${out}\n`);
}

/**
 * Write `data` as the whole of `file`, as `--events` files are (src/report/partial-file.ts): into
 * FILE.partial beside it, which takes the name FILE once everything is written. A write that fails
 * part-way (a full disk, a file size limit) leaves FILE as it was (or absent) and removes the partial
 * file. A leftover FILE.partial is removed, never opened through; the partial file gets the
 * permissions of the file it replaces; through a symbolic link, the file it points to is replaced.
 * A FIFO or device (`/dev/stdout`) cannot be renamed over, and an existing file in a folder that
 * refuses new files (EACCES, EPERM) has no room for FILE.partial: both are written in place (the
 * result exists only once the run is over; refusing it then would throw the run away).
 */
export function writeWhole(file: string, data: string): void {
  writeFileWhole(file, data, { inPlaceWhenRefused: true });
}

/**
 * Refuse, before a possibly long run rather than after it, output files whose folder does not
 * exist or cannot be written (`/proc/x`, a read-only mount), two outputs naming one file (the
 * second write would replace the first), an output naming one of the command's `inputs` (the
 * scenario or sweep file it reads), and an empty name.
 */
export function checkOutputFolders(io: CliIo, files: Readonly<Record<string, string | undefined>>, inputs: readonly string[] = []): void {
  const read = new Set(inputs.map((f) => realPath(path.resolve(io.cwd, f))));
  const taken = new Map<string, string>();
  for (const [flag, file] of Object.entries(files)) {
    if (file === undefined) continue;
    // `--json "$UNSET"` resolved to the working folder ("is a folder"), or wrote a file named ' '.
    if (file.trim() === '') throw new UserError(`--${flag} needs a file name, got '${file}'`);
    const out = path.resolve(io.cwd, file);
    const dir = path.dirname(out);
    if (!existsSync(dir)) throw new UserError(`--${flag} ${file}: folder ${dir} does not exist`);
    if (statSync(out, { throwIfNoEntry: false })?.isDirectory() === true) throw new UserError(`--${flag} ${file}: is a folder; give a file name`);
    const real = realPath(out);
    if (read.has(real)) throw new UserError(`--${flag} ${file}: is a file this command reads; writing it would destroy it`);
    const other = taken.get(real);
    if (other !== undefined) throw new UserError(`--${flag} ${file}: --${other} writes the same file; give each output its own file`);
    taken.set(real, flag);
    const refused = unwritable(out);
    if (refused !== undefined) throw new UserError(`--${flag} ${file}: cannot be written (${refused})`);
  }
}

/**
 * Why `file` could not be written now (an error code), or undefined when it can: an existing file
 * is opened for writing without being changed; a new one is created and removed again.
 */
export function unwritable(file: string): string | undefined {
  try {
    if (existsSync(file)) closeSync(openSync(file, 'r+'));
    else {
      closeSync(openSync(file, 'wx'));
      unlinkSync(file);
    }
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** An absolute path as the file system sees it (through symlinks) when it exists, else as given. */
export function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * An output file of a long run (`drs train --out`, `--checkpoint`), made writable before the run:
 * its folder is created (as the defaults under models/ and train/ need), and a path that is a
 * folder, or under a file, is refused now rather than after hours of training. Returns the path.
 */
export function prepareOutputFile(flag: string, file: string): string {
  const fail = (why: string): never => {
    throw new UserError(`--${flag} ${file}: ${why}`);
  };
  const underFile = `a part of ${path.dirname(file)} is a file, not a folder`;
  let st;
  try {
    st = statSync(file, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOTDIR' ? underFile : `cannot be checked (${code ?? String(e)})`);
  }
  if (st?.isDirectory() === true) fail('is a folder; give a file name');
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === 'EEXIST' || code === 'ENOTDIR' ? underFile : `cannot create its folder ${path.dirname(file)} (${code ?? String(e)})`);
  }
  const refused = unwritable(file);
  if (refused !== undefined) fail(`cannot be written (${refused})`);
  return file;
}
