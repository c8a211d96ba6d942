import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, UserError } from '../core/errors.js';
import { DOCS, formatPath, plainMessage } from '../core/plain-issue.js';
import { POLICY_NET_FORMAT, validatePolicyNetFile } from '../core/policy-net.js';
import { queueIterations, withQueueIterations, type QueueTrainConfig } from './config.js';
import { configFeatures, type QueueCheckpoint } from './train-queue.js';

/**
 * Queue training checkpoints (`drs train --checkpoint FILE`, `--resume`): written whole or not at
 * all, and read back only if they are one, of this config, and not past the run's end. A file a
 * run left half-written, edited by hand or made by another config gets one line that says what
 * is wrong and what to do, never a stack trace or a silently different run.
 */

const numbers = z.array(z.number());
const layer = z.object({ weights: numbers, bias: numbers, activation: z.string() }).passthrough();
const checkpointSchema = z
  .object({
    kind: z.literal('drs-train-checkpoint'),
    config: z.record(z.string(), z.unknown()),
    iteration: z.number().int().nonnegative(),
    scaling: z.object({ mean: numbers, std: numbers }),
    layers: z.array(layer).min(1),
    optimizer: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), values: numbers })),
    best: z.object({ iteration: z.number().int().nonnegative(), validationBsld: z.number().nullable(), layers: z.array(layer).min(1) }),
    curve: z.array(z.object({ iteration: z.number() }).passthrough()),
    seconds: z.number().nonnegative(),
  })
  .passthrough();

/** Write a checkpoint so that a run stopped mid-write leaves the previous one, not a truncated file. */
export function writeQueueCheckpoint(file: string, c: QueueCheckpoint): void {
  const tmp = `${file}.partial`;
  writeFileSync(tmp, JSON.stringify(c));
  renameSync(tmp, file);
}

/** Read the checkpoint `file` for resuming `cfg` (the run's config, after --seed and --iterations). */
export function readQueueCheckpoint(file: string, cfg: QueueTrainConfig): QueueCheckpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`--resume: no checkpoint at ${file}`, { field: 'checkpoint' });
    throw new UserError(`--resume: cannot read the checkpoint: ${(e as Error).message}`, { file, field: 'checkpoint' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--resume: the checkpoint is not valid JSON (${(e as Error).message}); a run stopped while writing it? Resume from another checkpoint or train without --resume`, { file });
  }
  const r = checkpointSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    const what = i === undefined ? 'malformed' : plainMessage(i, DOCS.learned);
    throw new ConfigError(`--resume: not a drs train checkpoint of a queue model (${what})`, { file, field: i === undefined ? '' : formatPath(i.path) });
  }
  const ck = r.data as unknown as QueueCheckpoint;
  const diff = firstDifference(withQueueIterations(ck.config, 0), withQueueIterations(cfg, 0), '');
  if (diff !== undefined) {
    throw new UserError(`--resume: the checkpoint was made with a different config: ${diff === '' ? 'the config' : `'${diff}'`} differs (only ppo.iterations or cem.generations, or --iterations, may change)`, { file, field: 'checkpoint' });
  }
  const total = queueIterations(cfg);
  if (ck.iteration > total) {
    throw new UserError(`--resume: the checkpoint is at iteration ${ck.iteration}, past this run's ${total}: give --iterations ${ck.iteration} or more`, { file, field: 'checkpoint' });
  }
  const F = configFeatures(cfg).length;
  const sizes = [F, ...cfg.network.hidden, 1];
  checkLayers(ck.layers, sizes, file, 'layers');
  checkLayers(ck.best.layers, sizes, file, 'best.layers');
  if (ck.scaling.mean.length !== F || ck.scaling.std.length !== F) throw new ConfigError(`--resume: the checkpoint's scaling has ${ck.scaling.mean.length} means and ${ck.scaling.std.length} deviations; the config's features are ${F}`, { file, field: 'scaling' });
  checkAsModel(ck, configFeatures(cfg), file);
  if (cfg.cem !== undefined) {
    const params = ck.layers.reduce((a, l) => a + l.weights.length + l.bias.length, 0);
    const std = ck.optimizer.find((o) => o.name === 'cem-std');
    if (std === undefined || std.values.length !== params) {
      throw new ConfigError(`--resume: the checkpoint has no CEM deviations for its ${params} parameters (optimizer 'cem-std')`, { file, field: 'optimizer' });
    }
  }
  // A best score that serialised as null (a NaN or infinite score) compares as "none yet".
  return ck.best.validationBsld === null ? { ...ck, best: { ...ck.best, validationBsld: Infinity } } : ck;
}

/**
 * The checkpoint's current and best networks through the model file's own checks: what the model
 * loader refuses (a zero deviation in the scaling, an unknown activation) is refused here, before
 * it silently changes the resumed run (a zero deviation makes every score NaN).
 */
function checkAsModel(ck: QueueCheckpoint, features: readonly string[], file: string): void {
  for (const [prefix, layers] of [['', ck.layers], ['best.', ck.best.layers]] as const) {
    try {
      validatePolicyNetFile({ format: POLICY_NET_FORMAT, kind: 'queue', name: ck.config.name, features, scaling: ck.scaling, layers }, file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const field = e.location.field ?? '';
      throw new ConfigError(`--resume: the checkpoint's network is not one a model file may hold: ${e.detail}`, { file, field: field.startsWith('layers') ? `${prefix}${field}` : field });
    }
  }
}

/** Each layer of `sizes` (inputs, hidden..., 1) in order: weights in×out, bias out. */
function checkLayers(layers: QueueCheckpoint['layers'], sizes: number[], file: string, field: string): void {
  if (layers.length !== sizes.length - 1) throw new ConfigError(`--resume: the checkpoint has ${layers.length} layers; the config's network has ${sizes.length - 1}`, { file, field });
  layers.forEach((l, k) => {
    const [i, o] = [sizes[k] as number, sizes[k + 1] as number];
    if (l.weights.length !== i * o || l.bias.length !== o) {
      throw new ConfigError(`--resume: layer ${k + 1} of the checkpoint has ${l.weights.length} weights and ${l.bias.length} biases; the config's network needs ${i}×${o} = ${i * o} and ${o}`, { file, field: `${field}[${k}]` });
    }
  });
}

/** The dotted path of the first value that differs between a and b ('' for the roots), or undefined. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return path;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const d = firstDifference(ra[k], rb[k], path === '' ? k : `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return path;
}
