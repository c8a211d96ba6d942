import type { Request } from '../core/model.js';
import { PRIORITIES, type Priority } from '../core/priority.js';
import { NumColumn } from './column.js';

/** The fields of `Request`; a request with any other own key is kept as it came (`RequestStore`). */
const FIELDS = new Set(['id', 'tenant', 'arrival', 'demand', 'duration', 'requestedDuration', 'priority', 'constraints', 'sloWait', 'deadline', 'preemptible', 'lease', 'dependsOn', 'concurrency', 'gpuModels']);
const OPTIONAL_NUMBERS = ['requestedDuration', 'sloWait', 'deadline', 'lease'] as const;
const OPTIONAL_OBJECTS = ['constraints', 'dependsOn', 'concurrency', 'gpuModels'] as const;
/** Longest decimal id suffix stored as a number (15 digits are exact in a double). */
const MAX_SUFFIX = 15;

/** Distinct values numbered from 1 in first-seen order (0 = none): strings by value, objects by identity. */
class Interned<T> {
  private readonly index = new Map<T, number>();
  private readonly values: T[] = [];

  number(v: T): number {
    let k = this.index.get(v);
    if (k === undefined) {
      this.values.push(v);
      k = this.values.length;
      this.index.set(v, k);
    }
    return k;
  }

  value(k: number): T | undefined {
    return k === 0 ? undefined : this.values[k - 1];
  }
}

/**
 * Every request of a run, columnar: one `NumColumn` per field (see column.ts for the widths), so a
 * request a trace reader made costs tens of bytes instead of a few hundred as an object.
 * - id: an interned prefix and its decimal suffix as a number ('az-1234' → 'az-', 1235; 0 = the id
 *   has no canonical decimal suffix and the prefix is the whole id);
 * - tenant (interned), priority (index in PRIORITIES), arrival, duration, one column per demand
 *   dimension;
 * - optional numbers (requestedDuration, sloWait, deadline, lease): NaN = absent; preemptible:
 *   0 absent, 1 false, 2 true; optional objects (constraints, dependsOn, concurrency, gpuModels):
 *   interned by identity, 0 = absent.
 * A request the columns cannot give back exactly (another demand length, an unknown priority or
 * key, NaN in an optional number) is kept as the object it came as.
 *
 * `get(i)` makes a fresh `Request` equal to the one added (same fields and values; absent fields
 * absent); the accessors read one field without making one.
 */
export class RequestStore {
  private n = 0;
  private readonly prefixes = new Interned<string>();
  private readonly idPrefix = new NumColumn(0);
  private readonly idSuffix = new NumColumn(0);
  private readonly tenants = new Interned<string>();
  private readonly tenantCol = new NumColumn(0);
  private readonly arrivalCol = new NumColumn(0);
  private readonly durationCol = new NumColumn(0);
  private readonly priorityCol = new NumColumn(0);
  private demandCols: NumColumn[] | undefined;
  private readonly numbers = OPTIONAL_NUMBERS.map(() => new NumColumn(NaN));
  private readonly preemptibleCol = new NumColumn(0);
  private readonly objects = OPTIONAL_OBJECTS.map(() => ({ values: new Interned<object>(), col: new NumColumn(0) }));
  private readonly verbatim = new Map<number, Request>();

  get length(): number {
    return this.n;
  }

  /** Bytes held by the columns' arrays (interned values and requests kept whole not counted). */
  get columnBytes(): number {
    return this.columns().reduce((s, c) => s + c.bytes, 0);
  }

  /** How many requests are kept as the objects they came as. */
  get keptWhole(): number {
    return this.verbatim.size;
  }

  /** Store `r`; returns its index. */
  add(r: Request): number {
    const i = this.n;
    const pri = PRIORITIES.indexOf(r.priority);
    if (pri < 0 || !this.representable(r)) {
      this.verbatim.set(i, r);
      this.pushSame();
    } else {
      this.pushId(r.id);
      this.tenantCol.push(this.tenants.number(r.tenant));
      this.arrivalCol.push(r.arrival);
      this.durationCol.push(r.duration);
      this.priorityCol.push(pri);
      const dc = this.demandColumns(r.demand.length);
      for (let d = 0; d < dc.length; d++) (dc[d] as NumColumn).push(r.demand[d] as number);
      for (let k = 0; k < OPTIONAL_NUMBERS.length; k++) (this.numbers[k] as NumColumn).push(r[OPTIONAL_NUMBERS[k] as (typeof OPTIONAL_NUMBERS)[number]] ?? NaN);
      this.preemptibleCol.push(r.preemptible === undefined ? 0 : r.preemptible ? 2 : 1);
      for (let k = 0; k < OPTIONAL_OBJECTS.length; k++) {
        const v = r[OPTIONAL_OBJECTS[k] as (typeof OPTIONAL_OBJECTS)[number]];
        const o = this.objects[k] as { values: Interned<object>; col: NumColumn };
        o.col.push(v === undefined ? 0 : o.values.number(v));
      }
    }
    return this.n++;
  }

  /** The request at `i`, made afresh (the object itself when it was kept whole). */
  get(i: number): Request {
    const kept = this.kept(i);
    if (kept !== undefined) return kept;
    const r: Record<string, unknown> = { id: this.id(i), tenant: this.tenant(i), arrival: this.arrivalCol.get(i), demand: this.demand(i), duration: this.durationCol.get(i) };
    const num = (k: number): void => {
      const v = (this.numbers[k] as NumColumn).get(i);
      if (!Number.isNaN(v)) r[OPTIONAL_NUMBERS[k] as string] = v;
    };
    const obj = (k: number): void => {
      const o = this.objects[k] as { values: Interned<object>; col: NumColumn };
      const v = o.values.value(o.col.get(i));
      if (v !== undefined) r[OPTIONAL_OBJECTS[k] as string] = v;
    };
    num(0);
    r.priority = PRIORITIES[this.priorityCol.get(i)];
    obj(0);
    num(1);
    num(2);
    const p = this.preemptibleCol.get(i);
    if (p !== 0) r.preemptible = p === 2;
    num(3);
    obj(1);
    obj(2);
    obj(3);
    return r as unknown as Request;
  }

  id(i: number): string {
    const kept = this.kept(i);
    if (kept !== undefined) return kept.id;
    const prefix = this.prefixes.value(this.idPrefix.get(i)) as string;
    const suffix = this.idSuffix.get(i);
    return suffix === 0 ? prefix : prefix + String(suffix - 1);
  }
  tenant(i: number): string {
    return this.kept(i)?.tenant ?? (this.tenants.value(this.tenantCol.get(i)) as string);
  }
  arrival(i: number): number {
    return this.kept(i)?.arrival ?? this.arrivalCol.get(i);
  }
  duration(i: number): number {
    return this.kept(i)?.duration ?? this.durationCol.get(i);
  }
  priority(i: number): Priority {
    return this.kept(i)?.priority ?? (PRIORITIES[this.priorityCol.get(i)] as Priority);
  }
  /** SLO wait, seconds; undefined when the request has none. */
  sloWait(i: number): number | undefined {
    return this.optional(i, 1);
  }
  deadline(i: number): number | undefined {
    return this.optional(i, 2);
  }
  /** The demand vector (a new array). */
  demand(i: number): number[] {
    const kept = this.kept(i);
    if (kept !== undefined) return [...kept.demand];
    const dc = this.demandCols ?? [];
    const out = new Array<number>(dc.length);
    for (let d = 0; d < dc.length; d++) out[d] = (dc[d] as NumColumn).get(i);
    return out;
  }

  private optional(i: number, k: 1 | 2): number | undefined {
    const kept = this.kept(i);
    if (kept !== undefined) return kept[OPTIONAL_NUMBERS[k]];
    const v = (this.numbers[k] as NumColumn).get(i);
    return Number.isNaN(v) ? undefined : v;
  }

  private kept(i: number): Request | undefined {
    return this.verbatim.size === 0 ? undefined : this.verbatim.get(i);
  }

  /** Whether the columns give `r` back exactly (its priority is checked by the caller). */
  private representable(r: Request): boolean {
    if (typeof r.id !== 'string' || typeof r.tenant !== 'string' || !Array.isArray(r.demand)) return false;
    if (this.demandCols !== undefined && r.demand.length !== this.demandCols.length) return false;
    if (r.preemptible !== undefined && typeof r.preemptible !== 'boolean') return false;
    for (const k of OPTIONAL_NUMBERS) if (r[k] !== undefined && (typeof r[k] !== 'number' || Number.isNaN(r[k]))) return false;
    for (const k of OPTIONAL_OBJECTS) if (r[k] !== undefined && (typeof r[k] !== 'object' || r[k] === null)) return false;
    for (const k in r) if (!FIELDS.has(k)) return false;
    return true;
  }

  private demandColumns(dims: number): NumColumn[] {
    if (this.demandCols === undefined) {
      this.demandCols = [];
      for (let d = 0; d < dims; d++) {
        const c = new NumColumn(0);
        for (let k = 0; k < this.n; k++) c.push(0);
        this.demandCols.push(c);
      }
    }
    return this.demandCols;
  }

  /** A row for a request kept whole: each column repeats a value it already holds. */
  private pushSame(): void {
    for (const c of this.columns()) c.pushSame();
  }

  /** Every column, one row per request. */
  private columns(): NumColumn[] {
    return [this.idPrefix, this.idSuffix, this.tenantCol, this.arrivalCol, this.durationCol, this.priorityCol, this.preemptibleCol, ...this.numbers, ...(this.demandCols ?? []), ...this.objects.map((o) => o.col)];
  }

  private pushId(id: string): void {
    let j = id.length;
    while (j > 0 && id.charCodeAt(j - 1) >= 48 && id.charCodeAt(j - 1) <= 57) j--;
    const digits = id.length - j;
    // Canonical decimal only ('7', '12', not '007'), so String(number) gives the same text back.
    if (digits > 0 && digits <= MAX_SUFFIX && (digits === 1 || id.charCodeAt(j) !== 48)) {
      this.idPrefix.push(this.prefixes.number(id.slice(0, j)));
      this.idSuffix.push(Number(id.slice(j)) + 1);
    } else {
      this.idPrefix.push(this.prefixes.number(id));
      this.idSuffix.push(0);
    }
  }
}

/**
 * `store` as a read-only array of requests (`EventLog.requests`): indexing makes the request
 * afresh (`RequestStore.get`); length, iteration and the array methods (map, forEach, filter …)
 * work as on an array. Writing to it throws.
 */
export function requestArray(store: RequestStore): readonly Request[] {
  const index = (p: string | symbol): number => {
    if (typeof p !== 'string') return -1;
    const i = Number(p);
    return Number.isInteger(i) && i >= 0 && i < store.length && String(i) === p ? i : -1;
  };
  const readOnly = (): boolean => false;
  return new Proxy<Request[]>([], {
    get(target, p, receiver) {
      if (p === 'length') return store.length;
      const i = index(p);
      return i >= 0 ? store.get(i) : Reflect.get(target, p, receiver);
    },
    has(target, p) {
      return index(p) >= 0 || Reflect.has(target, p);
    },
    getOwnPropertyDescriptor(target, p) {
      if (p === 'length') return { value: store.length, writable: true, enumerable: false, configurable: false };
      const i = index(p);
      return i >= 0 ? { value: store.get(i), writable: false, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, p);
    },
    ownKeys() {
      return [...Array.from({ length: store.length }, (_, i) => String(i)), 'length'];
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  });
}
