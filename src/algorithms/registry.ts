import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { parseRegistryOptions } from '../core/registry-options.js';
import type { Allocator } from './allocator.js';
import { BestFitDecreasing } from './best-fit-decreasing.js';
import { FirstFit } from './first-fit.js';
import { GeneticAllocator, geneticOptions } from './genetic.js';
import { GPU_ALLOCATOR_ENTRIES } from './gpu/index.js';
import { IlpAllocator, ilpOptions } from './ilp.js';
import { learnedAllocatorEntries } from './learned.js';
import { PreemptingAllocator } from './preemption.js';
import { RoundRobin } from './round-robin.js';
import { WorstFit } from './worst-fit.js';

/**
 * The one map from strategy name to factory. Each entry has a summary (for `drs list`) and a zod
 * schema for its options, so a scenario's `options:` block is validated with field paths.
 */
export interface AllocatorEntry<S extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly options: S;
  readonly create: (options: z.infer<S>) => Allocator;
}

const none = z.object({}).strict();

function entry<S extends z.ZodType>(e: AllocatorEntry<S>): AllocatorEntry<S> {
  return e;
}

export const ALLOCATORS = withLearned({
  'first-fit': entry({ summary: 'lowest-numbered node that fits', options: none, create: () => new FirstFit() }),
  'best-fit-decreasing': entry({
    summary: 'largest requests first, each on the fitting node it leaves fullest (indexed)',
    options: none,
    create: () => new BestFitDecreasing(),
  }),
  'worst-fit': entry({ summary: 'spread: the fitting node with the most room left', options: none, create: () => new WorstFit() }),
  'round-robin': entry({ summary: 'rotate over nodes, next one that fits', options: none, create: () => new RoundRobin() }),
  ilp: entry({
    summary: 'batch ILP (HiGHS): max priority-weighted placed demand minus cost over candidate nodes; greedy start and fallback',
    options: ilpOptions,
    create: (o) => new IlpAllocator(o),
  }),
  genetic: entry({
    summary: 'seeded genetic batch search: utilization, SLA, cost and fairness fitness with repair to feasibility',
    options: geneticOptions,
    create: (o) => new GeneticAllocator(o),
  }),
  ...(learnedAllocatorEntries() as Record<`learned${string}`, AllocatorEntry>),
  ...GPU_ALLOCATOR_ENTRIES,
} as const);

/**
 * The learned entries (`learned`, `learned:NAME` per shipped model; `learned:FILE.json` resolves
 * too) are known only at run time. Spread into the literal they dropped out of `keyof`, so
 * `strategy: 'learned:agent-fleet'` did not compile; they are typed by pattern instead.
 */
function withLearned<T extends object>(entries: T): T & Readonly<Record<'learned' | `learned:${string}`, AllocatorEntry>> {
  return entries as T & Readonly<Record<'learned' | `learned:${string}`, AllocatorEntry>>;
}

export type AllocatorName = keyof typeof ALLOCATORS;

export const ALLOCATOR_NAMES = Object.keys(ALLOCATORS) as AllocatorName[];

export function isAllocatorName(s: string): s is AllocatorName {
  return Object.prototype.hasOwnProperty.call(ALLOCATORS, s);
}

export interface StrategySpec {
  readonly name: AllocatorName;
  readonly options?: unknown;
  /** Wrap with priority preemption (critical/high may evict lower-priority preemptible work). */
  readonly preemption?: boolean;
}

/**
 * Build an allocator. An unknown name or options its schema refuses are a UserError naming the
 * field (`strategy.name`, `strategy.options.bogus`), as the option of ResourceScheduler spells it.
 */
export function createAllocator(spec: StrategySpec): Allocator {
  const name: unknown = spec.name;
  if (typeof name !== 'string' || !isAllocatorName(name)) throw new UserError(`unknown strategy ${typeof name === 'string' ? `'${name}'` : String(name)} (known: ${ALLOCATOR_NAMES.join(', ')})`, { field: 'strategy.name' });
  const e = ALLOCATORS[name] as AllocatorEntry;
  const base = e.create(parseRegistryOptions(e.options, spec.options ?? {}, 'strategy.options'));
  return spec.preemption === true ? new PreemptingAllocator(base) : base;
}
