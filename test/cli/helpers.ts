import { expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
import { DATA_ROOT } from '../support/data.js';

export const DATA = DATA_ROOT;

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Run the CLI in-process with captured output (in the project root unless `cwd` says otherwise). */
export async function drs(argv: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<Ran> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (s) => void (out += s.endsWith('\n') ? s : `${s}\n`), err: (s) => void (err += s), interactive: false, cwd, env: { DRS_DATA_DIR: DATA, ...env } };
  const code = await main(argv, io);
  return { code, out, err };
}

export function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-cli-'));
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A user mistake's answer: exit 2, no stack trace, and every one of `parts` in stderr. */
export function expectUserError(r: Ran, ...parts: string[]): void {
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
  for (const p of parts) expect(r.err).toContain(p);
}

/** `base` with `from` replaced by `to` (which must occur), written to a temp file `name`. */
export function editedFile(base: string, from: string, to: string, name = 's.yaml'): string {
  expect(base).toContain(from);
  return tmpFile(name, base.replace(from, to));
}
