import { DEFAULT_ALLOCATOR_MODEL, learnedAllocator } from '../algorithms/learned.js';
import { UserError } from '../core/errors.js';
import { LEARNED_BASE, modelMessage, resolveLearnedRef, type LearnedKind, type NamedRef } from '../core/model-ref.js';
import { modelsDir } from '../core/policy-net.js';
import { DEFAULT_QUEUE_MODEL, learnedQueue } from '../queue/learned-queue.js';
import type { Scenario } from './schema.js';

type Path = (string | number)[];

/**
 * The learned strategies' model files of a scenario: a relative `FILE.json` is the scenario
 * folder's (as a trace file is), and every model the scenario names is read now, so `drs validate`
 * reports a missing file, a model of the other kind or a malformed one at its line, before
 * anything runs. Returns the scenario with the model paths made absolute.
 */
export function resolveScenarioModels(sc: Scenario, baseDir: string, fail: (path: Path, message: string) => never): Scenario {
  const check = <T extends NamedRef>(ref: T, kind: LearnedKind, at: Path): T => {
    const r = resolveLearnedRef(ref, kind, baseDir);
    if (!r.ok) return fail([...at, ...r.at.split('.')], r.error);
    if (r.model === undefined) return r.ref;
    try {
      if (kind === 'queue') learnedQueue(r.model);
      else learnedAllocator(r.model);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      fail([...at, ...(r.at ?? 'name').split('.')], modelMessage(e));
    }
    return r.ref;
  };
  const queue = check(sc.queue, 'queue', ['queue']);
  const strategies = sc.strategies.map((s, i) => {
    const own = 'queue' in s && s.queue !== undefined ? { queue: check(s.queue, 'queue', ['strategies', i, 'queue']) } : {};
    return { ...check(s, 'allocator', ['strategies', i]), ...own };
  });
  return { ...sc, queue, strategies };
}

/**
 * The model files each strategy of a resolved scenario reads (by strategy index): its allocator's
 * and its queue's (its own or the scenario's), shipped ones included. A sweep hashes their contents
 * into the cell key, so a retrained model is a new cell, not a stale result.
 */
export function strategyModelFiles(sc: Scenario): Partial<Record<LearnedKind, string>>[] {
  const file = <T extends NamedRef>(ref: T, kind: LearnedKind): Partial<Record<LearnedKind, string>> => {
    const base = LEARNED_BASE[kind];
    if (ref.name !== base && !ref.name.startsWith(`${base}:`)) return {};
    const r = resolveLearnedRef(ref, kind);
    const model = (r.ok ? r.model : undefined) ?? (kind === 'queue' ? DEFAULT_QUEUE_MODEL : DEFAULT_ALLOCATOR_MODEL);
    return { [kind]: model.endsWith('.json') ? model : `${modelsDir()}${kind}/${model}.json` };
  };
  return sc.strategies.map((s) => ({ ...file(s, 'allocator'), ...file(('queue' in s && s.queue) || sc.queue, 'queue') }));
}
