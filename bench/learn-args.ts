import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { isUserError } from '../src/core/errors.js';
import { parseTrainConfig, type QueueTrainConfig } from '../src/learn/config.js';
import { loadBatchWorkload, type BatchWorkload } from '../src/learn/sim-adapter.js';

/** Shared by the learning diagnostics: a user mistake ends in one plain line and exit 2, not a stack trace. */
export function die(message: string): never {
  console.error(message);
  process.exit(2);
}

/** A whole-number command-line argument, or a plain error naming it. */
export function intArg(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) die(`${name} must be a whole number, got '${value}'`);
  return n;
}

/**
 * A queue training config with a `cem` block, validated by the project's loader (errors name the
 * file and field), its raw YAML (for overrides), its log and its `also` logs.
 */
export async function loadCemQueueConfig(file: string): Promise<{ raw: Record<string, unknown>; cfg: QueueTrainConfig & { cem: NonNullable<QueueTrainConfig['cem']> }; workload: BatchWorkload; also: BatchWorkload[] }> {
  try {
    const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const cfg = parseTrainConfig(raw, file);
    if (cfg.kind !== 'queue' || cfg.cem === undefined) die(`${file}: a queue config with a cem block is needed`);
    const workload = await loadBatchWorkload(path.resolve(path.dirname(file), cfg.trace));
    const also: BatchWorkload[] = [];
    for (const a of cfg.also ?? []) also.push(await loadBatchWorkload(path.resolve(path.dirname(file), a.trace)));
    return { raw, cfg: cfg as QueueTrainConfig & { cem: NonNullable<QueueTrainConfig['cem']> }, workload, also };
  } catch (e) {
    if (isUserError(e) || (e as NodeJS.ErrnoException).code === 'ENOENT') die(`${file}: ${(e as Error).message}`);
    throw e;
  }
}
