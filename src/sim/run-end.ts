import { formatDuration } from '../core/units.js';
import type { Kernel } from './kernel.js';
import type { SimEvent } from './running.js';

/** Events that cannot keep a run without a horizon going once its work is done (`RunEnd.over`). */
const TAIL = (e: SimEvent): boolean => e.k === 'scale' || e.k === 'nodeReady';

/** What the other kinds are, for the note of a run that went on past its last work. */
const AFTER_WORK: Record<SimEvent['k'], string> = {
  failure: 'node failures and repairs of failures.events',
  renew: 'lease renewals',
  end: 'ends of work',
  scale: 'scaling ticks',
  nodeReady: 'node boots',
};

/**
 * Where a replay without a horizon ends (docs/scenarios.md, `horizon`): with its last work, the
 * trace over and nothing running or waiting, once the events of that instant are handled. What
 * is left then may be scaling ticks, which would only see an idle cluster and stop, and boots of
 * nodes nothing needs any more: stepping to them moved the run's end, and every node's bill, to
 * the next tick (1e10 s away with such an interval) or to a boot's end. Anything else left (a
 * failure event of the scenario, its repair) is the scenario's own timeline: it is run, and the
 * run's notes say how far past its last work it went and for what. With a horizon the run covers
 * [0, horizon] whatever happens: none of this applies.
 */
export class RunEnd {
  /** When the trace was over and nothing ran or waited any more (undefined: not yet). */
  private workEnd: number | undefined;
  /** Kinds of event run after `workEnd` that could matter (not a scaling tick nor a boot). */
  private readonly afterWork = new Set<SimEvent['k']>();

  constructor(private readonly horizon: number) {}

  /** The state at `now` is final; `done`: the trace is over and nothing runs or waits (for good: nothing can arrive any more). */
  settled(now: number, done: boolean): void {
    if (this.workEnd === undefined && done) this.workEnd = now;
  }

  /** Whether the run is over before the kernel's next event: its work done, the next event later, and only ticks and boots left. */
  over(kernel: Kernel<SimEvent>, now: number): boolean {
    if (this.workEnd === undefined || Number.isFinite(this.horizon) || kernel.peek() <= now) return false;
    return kernel.allPending(TAIL);
  }

  /** `e` is about to run. */
  stepping(e: SimEvent): void {
    if (this.workEnd !== undefined && !TAIL(e)) this.afterWork.add(e.k);
  }

  /** For the run's report: why it went on past its last work (only events the scenario set can make it). */
  notes(endTime: number): string[] {
    const last = this.workEnd;
    if (Number.isFinite(this.horizon) || last === undefined || endTime <= last) return [];
    const why = [...this.afterWork].map((k) => AFTER_WORK[k]).join(', ');
    const t = (s: number): string => `t = ${Number(s.toFixed(1))} s`;
    return [`the run lasted until ${t(endTime)}, ${formatDuration(endTime - last)} past its last work (${t(last)}), for the ${why} after it; every node is billed until the run ends`];
  }
}
