import path from 'node:path';
import type { UserError } from './errors.js';

/**
 * How a configuration names a learned strategy's model. Three spellings, one meaning:
 *
 *   learned-queue:sdsc-sp2                       a shipped model (models/queue/sdsc-sp2.json)
 *   { name: learned-queue, options: { model: M } }   M: a shipped name or a .json file
 *   learned-queue:FILE.json                      the same as option `model: FILE.json`
 *
 * (`learned` for allocators likewise.) A scenario, a serve config and a training config resolve a
 * relative FILE.json against their own folder, as they do trace files and state files; a library
 * caller's relative path is relative to the working directory.
 */
export type LearnedKind = 'allocator' | 'queue';

/** The registry name of the plain (option `model`) entry of each kind. */
export const LEARNED_BASE: Readonly<Record<LearnedKind, string>> = { allocator: 'learned', queue: 'learned-queue' };

export interface NamedRef {
  readonly name: string;
  readonly options?: unknown;
}

export type ResolvedRef<T extends NamedRef> =
  | {
      readonly ok: true;
      /** The reference in its plain form (a file named in the name moved to option `model`). */
      readonly ref: T;
      /** The model it names (absolute when it is a file and `baseDir` was given); undefined when it names none itself (another strategy, or the entry's default). */
      readonly model?: string;
      /** Where the model was written: `name` or `options.model`. */
      readonly at?: 'name' | 'options.model';
    }
  | { readonly ok: false; readonly error: string; readonly at: 'name' | 'options' | 'options.model' };

const isFile = (m: string): boolean => m.endsWith('.json');

/**
 * Make a learned strategy's model explicit: `PREFIX:FILE.json` becomes the plain entry with
 * option `model: FILE.json`, and a relative FILE.json is resolved against `baseDir`. Any other
 * reference comes back unchanged, without a model.
 */
export function resolveLearnedRef<T extends NamedRef>(ref: T, kind: LearnedKind, baseDir?: string): ResolvedRef<T> {
  const base = LEARNED_BASE[kind];
  const abs = (m: string): string => (baseDir !== undefined && isFile(m) && !path.isAbsolute(m) ? path.resolve(baseDir, m) : m);
  const options = ref.options;
  const given = options !== null && typeof options === 'object' && !Array.isArray(options) ? (options as Record<string, unknown>).model : undefined;
  if (ref.name === base) {
    if (typeof given !== 'string' || given === '') return { ok: true, ref };
    const model = abs(given);
    return { ok: true, ref: { ...ref, options: { ...(options as object), model } }, model, at: 'options.model' };
  }
  if (!ref.name.startsWith(`${base}:`) || ref.name.length === base.length + 1) return { ok: true, ref };
  const named = ref.name.slice(base.length + 1);
  if (!isFile(named)) return { ok: true, ref, model: named, at: 'name' };
  if (given !== undefined) return { ok: false, error: `'${ref.name}' names its model file; remove option model (or write name: ${base})`, at: 'options.model' };
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) return { ok: false, error: 'expected a mapping of options (or leave options out)', at: 'options' };
  const model = abs(named);
  return { ok: true, ref: { ...ref, name: base, options: { ...((options as object | undefined) ?? {}), model } }, model, at: 'name' };
}

/** A short label for a learned reference: `learned-queue:m` for option `model: dir/m.json`; other references: their name. */
export function learnedLabel(ref: NamedRef, kind: LearnedKind): string {
  const base = LEARNED_BASE[kind];
  if (ref.name !== base) return ref.name;
  const m = (ref.options as { model?: unknown } | undefined)?.model;
  return typeof m === 'string' && m !== '' ? `${base}:${path.basename(m).replace(/\.json$/, '')}` : base;
}

/**
 * A model loader's error as the message of the config field that named the model: "cannot read
 * model file X" as it is (its only location was `field 'model'`); an error inside the model file
 * keeps the file's name and field.
 */
export function modelMessage(e: UserError): string {
  if (e.location.file === undefined) return e.detail;
  return `bad model: ${e.message}`;
}
