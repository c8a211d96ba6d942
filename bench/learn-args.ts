import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { isUserError } from '../src/core/errors.js';
import { modelsDir, shippedModelNames, validatePolicyNetFile, type PolicyNetFile } from '../src/core/policy-net.js';
import { parseTrainConfig, type QueueTrainConfig } from '../src/learn/config.js';
import { loadBatchWorkload, type BatchWorkload } from '../src/learn/sim-adapter.js';
import { die } from './usage.js';

/** Shared by the learning diagnostics: a user mistake ends in one plain line and exit 2, not a stack trace. */
export { die, intArg } from './usage.js';

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

/** A model file named on the command line: missing, not JSON or not a model ends in one line naming it and exit 2. */
export function readModelFile(file: string, kind?: 'queue' | 'allocator'): PolicyNetFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) die(`${file}: not a JSON model file (${e.message})`);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') die(`${file}: no such model file`);
    throw e;
  }
  return validatePolicyNetFile(raw, file, kind === undefined ? undefined : { kind });
}

/** A shipped model by name (models/KIND/NAME.json), or exit 2 listing the shipped ones. */
export function shippedModelFile(name: string, kind: 'queue' | 'allocator'): string {
  const known = shippedModelNames(kind);
  if (!known.includes(name)) die(`no shipped ${kind} model named '${name}' (shipped: ${known.join(', ')})`);
  return `${modelsDir()}${kind}/${name}.json`;
}
