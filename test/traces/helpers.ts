import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request } from '../../src/core/model.js';

/** The real data root, as the CLI resolves it by default. */
export const DATA_ROOT = process.env.DRS_DATA_DIR ?? path.resolve('../shared/data');

/** True when `rel` exists under the data root; otherwise prints why the real-data tests are skipped. */
export function haveData(rel: string): boolean {
  const ok = existsSync(path.join(DATA_ROOT, rel));
  if (!ok) console.warn(`[test/traces] skipping real-data tests: ${path.join(DATA_ROOT, rel)} not found (set DRS_DATA_DIR to the data root)`);
  return ok;
}

let dir: string | undefined;
/** Write a fixture file into a per-run temp folder; `.gz` names are gzipped. */
export function fixture(name: string, text: string): string {
  dir ??= mkdtempSync(path.join(tmpdir(), 'drs-traces-'));
  const f = path.join(dir, name);
  writeFileSync(f, name.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text);
  return f;
}

export function fixtureBytes(name: string, bytes: Buffer): string {
  dir ??= mkdtempSync(path.join(tmpdir(), 'drs-traces-'));
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

export async function collect(stream: AsyncIterable<Request>, max = Infinity): Promise<Request[]> {
  const out: Request[] = [];
  for await (const r of stream) {
    out.push(r);
    if (out.length >= max) break;
  }
  return out;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
