import type { Request } from '../core/model.js';
import { UserError } from '../core/errors.js';
import { isPriority } from '../core/priority.js';
import { WAITING_SLO, type SloCounts, type StateChange, type WaitingSlo } from './store.js';

/**
 * How the database stores (SQLite, PostgreSQL) write a stored state's values as text and read
 * them back, checked: a damaged store is named in a UserError (no stack trace), not half-read.
 */

/** JSON for a Request: `duration` is Infinity when unknown (production), which JSON lacks: stored as null. */
export function encodeRequest(r: Request): string {
  return JSON.stringify(Number.isFinite(r.duration) ? r : { ...r, duration: null });
}

export function decodeRequest(s: string): Request {
  const r = JSON.parse(s) as Omit<Request, 'duration'> & { duration: number | null };
  return { ...r, duration: r.duration ?? Infinity };
}

/** A stored allocation's device list (JSON of device indexes), checked: a damaged store is named (a UserError: no stack trace), not half-read. */
export function decodeDevices(s: string, id: string, where: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new UserError(`${where}: allocation '${id}' has devices ${JSON.stringify(s)}, expected a JSON list of device indexes`);
  }
  return v as number[];
}

/** A stored lease's sequence number (StoredAllocation.leaseSeq), checked: a damaged store is named, not half-read. */
export function decodeLeaseSeq(v: unknown, id: string, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new UserError(`${where}: allocation '${id}' has lease sequence number ${JSON.stringify(v)}, expected a whole number`);
  return n;
}

/** The stored committed head (JSON: an id or null), checked. */
export function decodeCommittedHead(s: string, where: string): string | null {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    v = undefined;
  }
  if (v !== null && typeof v !== 'string') throw new UserError(`${where}: the committed head is ${JSON.stringify(s)}, expected a request id (JSON string) or null`);
  return v;
}

/** Stored SLO counts (JSON), checked: a damaged store is named (a UserError: no stack trace), not half-read. */
export function decodeSloCounts(s: string, where: string): SloCounts {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    v = undefined;
  }
  const counts = (x: unknown): boolean =>
    typeof x === 'object' && x !== null && !Array.isArray(x) && Object.entries(x).every(([k, n]) => isPriority(k) && Number.isInteger(n) && (n as number) >= 0);
  if (typeof v !== 'object' || v === null || !counts((v as SloCounts).met) || !counts((v as SloCounts).missed)) {
    throw new UserError(`${where}: the SLO counts are ${JSON.stringify(s)}, expected {"met": {PRIORITY: count}, "missed": {PRIORITY: count}}`);
  }
  return { met: (v as SloCounts).met, missed: (v as SloCounts).missed };
}

/** A stored time (clock ms, a meta value), checked. */
export function decodeTime(s: string, key: string, where: string): number {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new UserError(`${where}: ${key} is ${JSON.stringify(s)}, expected a time in milliseconds`);
  return v;
}

/** A stored waiting request's SLO bookkeeping, checked (null: written before it was kept). */
export function decodeWaitingSlo(s: string | null, id: string, where: string): WaitingSlo | null {
  if (s === null) return null;
  if (!(WAITING_SLO as readonly string[]).includes(s)) throw new UserError(`${where}: queued request '${id}' has SLO state ${JSON.stringify(s)}, expected one of ${WAITING_SLO.join(', ')}`);
  return s as WaitingSlo;
}

/** Highest event id among the changes (0 if none). */
export function lastEventIn(changes: readonly StateChange[]): number {
  let last = 0;
  for (const c of changes) if (c.kind === 'event' && c.event.id > last) last = c.event.id;
  return last;
}
