import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import type { CliIo } from './command.js';

/**
 * Write the file a `--json` or `--html` flag asked for (nothing when the flag was not given) and
 * say where it went; a failed write is the user's to fix, so it names the flag and the path.
 */
export async function saveOutput(io: CliIo, flag: 'json' | 'html', file: string | undefined, text: () => string): Promise<void> {
  if (file === undefined) return;
  const out = path.resolve(io.cwd, file);
  try {
    await writeFile(out, text());
  } catch (e) {
    throw new UserError(`cannot write --${flag} file ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  io.err(`${flag === 'json' ? 'results' : 'report'} written to ${out}\n`);
}

/** Refuse output files whose folder does not exist, before a possibly long run rather than after it. */
export function checkOutputFolders(io: CliIo, files: Readonly<Record<string, string | undefined>>): void {
  for (const [flag, file] of Object.entries(files)) {
    if (file === undefined) continue;
    const dir = path.dirname(path.resolve(io.cwd, file));
    if (!existsSync(dir)) throw new UserError(`--${flag} ${file}: folder ${dir} does not exist`);
  }
}
