import type { QuotaConfig } from '../engine/quota.js';
import type { Scenario } from './schema.js';

/**
 * The rows of a scenario's comparison, as written: one per `strategies:` entry, with the label
 * `drs run` prints and what the row runs (allocator, preemption, queue, scaling, quotas). The
 * one place the label rule lives: the simulator's build (build.ts) and the serve-config export
 * (serve-export.ts) both read the rows from here, so a label names the same row in both.
 */
export interface StrategyRow {
  /** Index in `strategies:`. */
  readonly index: number;
  /** `drs run`'s label: the written `label`, else allocator[+preempt][/queue][/scaling], `#N` on a repeat. */
  readonly label: string;
  readonly name: string;
  readonly options: unknown;
  readonly preemption: boolean;
  /** The row's own queue, else the scenario's (`own` says which). */
  readonly queue: { readonly ref: Scenario['queue']; readonly own: boolean };
  /** The row's own scaling policy, else the scenario's (absent: no scaling). */
  readonly scaling?: { readonly ref: NonNullable<Scenario['scaling']>; readonly own: boolean };
  /** The row's own `quotas:` (`none`: it runs without the scenario's); undefined: the scenario's. */
  readonly quotas?: QuotaConfig | 'none';
}

export function strategyRows(sc: Scenario): StrategyRow[] {
  const labels = new Set<string>();
  return sc.strategies.map((s, i) => {
    const queueRef = ('queue' in s && s.queue) || sc.queue;
    const scalingRef = ('scaling' in s && s.scaling) || sc.scaling;
    const preemption = 'preemption' in s && s.preemption === true;
    const named = [(('shown' in s && s.shown) || s.name) + (preemption ? '+preempt' : ''), queueRef !== sc.queue ? (queueRef.label ?? queueRef.name) : '', scalingRef && scalingRef !== sc.scaling ? scalingRef.policy : ''];
    let label = ('label' in s && s.label) || named.filter(Boolean).join('/');
    if (labels.has(label)) label = `${label}#${i + 1}`;
    labels.add(label);
    const own = 'quotas' in s ? s.quotas : undefined;
    return {
      index: i,
      label,
      name: s.name,
      options: 'options' in s ? s.options : undefined,
      preemption,
      queue: { ref: queueRef, own: queueRef !== sc.queue },
      ...(scalingRef ? { scaling: { ref: scalingRef, own: scalingRef !== sc.scaling } } : {}),
      ...(own !== undefined ? { quotas: own } : {}),
    };
  });
}
