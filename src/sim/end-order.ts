import { estimatedDuration, type Allocation } from '../core/model.js';

/**
 * The order in which work ending at the same time ends, as the HPC reference simulator does it
 * (RLScheduler's HPCSimPickJobs.py): its running jobs are one list, sorted in place, stably, by
 * actual end at every event step and by requested end whenever an EASY reservation walks it, and
 * equal ends are released in list order. The replay's kernel ends equal times in the order their
 * end events were scheduled; after a reservation (`BackfillPolicy.takeWalked`) the replay calls
 * `reorderEnds`, which puts the walked allocations first, stably by requested end, then those
 * started since, and schedules every end event again in that order (the old events go stale, as
 * after a renewal).
 */
export function reorderEnds<R>(running: Map<string, R>, walked: readonly string[], requestedEnd: (id: string) => number, reschedule: (run: R) => void): void {
  const ids = new Set(walked);
  const list = [...running.entries()];
  const keys = new Map(walked.filter((id) => running.has(id)).map((id) => [id, requestedEnd(id)]));
  const first = list.filter(([id]) => keys.has(id)).sort((x, y) => (keys.get(x[0]) as number) - (keys.get(y[0]) as number));
  const order = [...first, ...list.filter(([id]) => !ids.has(id))];
  if (order.every(([id], i) => id === (list[i] as [string, R])[0])) return;
  running.clear();
  for (const [id, run] of order) {
    running.set(id, run);
    reschedule(run);
  }
}

/** Where a reservation expects `a` to end: start + requested duration (as logged, even if past). */
export function requestedEnd(a: Allocation): number {
  return a.start + estimatedDuration(a.request);
}
