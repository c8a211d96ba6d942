/** Priority classes, most important first. */
export const PRIORITIES = ['critical', 'high', 'medium', 'low', 'background'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** 0 = critical … 4 = background. Lower rank = more important. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  background: 4,
};

/** Priorities allowed to preempt lower-priority preemptible work (the documented rule). */
export function mayPreempt(p: Priority): boolean {
  return p === 'critical' || p === 'high';
}

export function isPriority(s: string): s is Priority {
  return (PRIORITIES as readonly string[]).includes(s);
}
