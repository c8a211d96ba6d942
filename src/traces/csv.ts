import { TraceFormatError, UserError } from '../core/errors.js';
import type { Request, RequestConstraints } from '../core/model.js';
import { isPriority, PRIORITIES, type Priority } from '../core/priority.js';
import type { TraceReadOptions } from './types.js';
import { arrivalSortFor, UNSORTED_HINT, type UnsortedRule } from './arrival-order.js';
import { RowFilter, type CellValues } from './row-filter.js';
import { ArrivalClock, bad, boundedSeconds, CsvHeader, cellValue, checkRowWidth, csvRows, parseBooleanCell, parseNonNegativeCell, parseNumberCell, parseTimestampCell, TOO_LARGE, UniqueIds, type Cell, type TimestampFormat } from './reading.js';
import { countIn, newTraceStats, noteHeld, nothingToReplay, traceStream, type TraceStream } from './trace-stats.js';

/* The generic CSV reader: any CSV with a header row (or its column names given in `header`), mapped column by column onto request fields. */
// ---------------------------------------------------------------------------------------------
// The generic CSV reader

/** A column, optionally scaled: value × scale + offset. */
export interface CsvColumnRef {
  readonly column: string;
  readonly scale?: number;
  readonly offset?: number;
}

export interface CsvTimeColumn {
  readonly column: string;
  /** How the cells are written; default `auto` (number if numeric, else ISO date). */
  readonly format?: TimestampFormat;
  /** Multiplier for numeric cells (e.g. 0.001 for milliseconds); ISO dates are already seconds. */
  readonly scale?: number;
}

export interface CsvPriorityColumn {
  readonly column: string;
  /** Cell value → priority. Without it, cells must be priority names or ranks 0 (critical) … 4 (background). */
  readonly values?: Readonly<Record<string, Priority>>;
}

/**
 * Which column feeds which Request field. `arrival` and one of `duration` / `end` are required;
 * `demand` maps dimension names of the scenario to columns. A plain string is a column name with
 * scale 1.
 */
export interface CsvColumnMapping {
  /** Request id; default: `<idPrefix><record index>` (0-based). */
  readonly id?: string;
  readonly tenant?: string;
  readonly arrival: string | CsvTimeColumn;
  /** Run time in the column's unit × scale (seconds). */
  readonly duration?: string | CsvColumnRef;
  /** End time, same clock and format as `arrival`; duration = end − arrival. */
  readonly end?: string | CsvTimeColumn;
  readonly requestedDuration?: string | CsvColumnRef;
  readonly priority?: string | CsvPriorityColumn;
  readonly preemptible?: string;
  readonly sloWait?: string | CsvColumnRef;
  readonly demand: Readonly<Record<string, string | CsvColumnRef>>;
  /** Constraint labels taken from columns: label name → column (empty cell = no label). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface CsvDefaults {
  readonly tenant?: string;
  readonly priority?: Priority;
  readonly preemptible?: boolean;
  readonly sloWait?: number;
  /**
   * Demand of every request in dimensions no column gives (`{ gpu: 1, memory: 16 }`): request logs
   * (LLM, image generation) name the work, not the resources it takes.
   */
  readonly demand?: Readonly<Record<string, number>>;
}

export interface CsvTraceOptions extends TraceReadOptions {
  readonly columns: CsvColumnMapping;
  /** Values for fields without a column. Defaults: tenant 'default', priority 'medium', not preemptible, no SLO. */
  readonly defaults?: CsvDefaults;
  readonly delimiter?: string;
  /** Arrival origin in the trace's clock (after scaling); default: the first record's arrival (the earliest one under `unsorted: sort`). */
  readonly origin?: number;
  /**
   * A record earlier than the one before it: `error` (default; the file is streamed), `sort`
   * (the file is read whole and replayed sorted by arrival, stable) or `{ window: seconds }`
   * (streamed, records that come back at most that far reordered); reordered records count in
   * stats.adjusted['reordered-by-arrival']. See arrival-order.ts.
   */
  readonly unsorted?: UnsortedRule;
  /**
   * What an empty cell of a time column means (default `error`, at its line): `skip` leaves the
   * record out (stats.skipped['empty-<field>']); for `end` or `duration`, a number of seconds runs
   * the record that long instead, and for `arrival`, `origin` starts it at the trace's origin (the
   * `origin` option, which it needs; stats.adjusted['empty-<field>']). Job tables exported from a
   * cluster leave the creation time empty for work that began before the trace, and the end for
   * work still running when it was cut.
   */
  readonly empty?: CsvEmptyRules;
  /**
   * Replay only the rows whose cells equal the given value (or one of the values) in every named
   * column, e.g. `{ state: COMPLETED }`; the others count under stats.skipped.where.
   */
  readonly where?: CellValues;
  /**
   * Leave out the rows whose cell equals the given value (or one of the values) in any named
   * column, e.g. `{ status: Running }`; they count under stats.skipped.exclude (after `where`).
   */
  readonly exclude?: CellValues;
  /** Prefix of generated ids, default 'csv-'. */
  readonly idPrefix?: string;
  /**
   * The column names of a file WITHOUT a header row, in file order (alibaba/clusterdata's PAI 2020
   * tables ship their names in a separate `.header` file): line 1 is then a record, and the mapping
   * names these columns. Default: the file's first row is its header.
   */
  readonly header?: readonly string[];
}

export interface CsvEmptyRules {
  readonly arrival?: 'error' | 'skip' | 'origin';
  readonly end?: 'error' | 'skip' | number;
  readonly duration?: 'error' | 'skip' | number;
  /**
   * An empty cell of a demand column: `error` (default), `zero` (no demand in that dimension,
   * stats.adjusted['empty-demand']; job tables leave the GPU column empty for CPU-only tasks) or
   * `skip` (stats.skipped['empty-demand']).
   */
  readonly demand?: 'error' | 'zero' | 'skip';
}

/** The empty-cell rules, checked against the mapping (a rule for an unmapped column is a mistake). */
function emptyRules(map: CsvColumnMapping, empty: CsvEmptyRules | undefined, origin: number | undefined): Required<CsvEmptyRules> {
  const rules = { arrival: empty?.arrival ?? 'error', end: empty?.end ?? 'error', duration: empty?.duration ?? 'error', demand: empty?.demand ?? 'error' } as const;
  if (rules.demand !== 'error' && rules.demand !== 'zero' && rules.demand !== 'skip') throw new UserError(`must be 'error', 'zero' or 'skip', got ${JSON.stringify(rules.demand)}`, { field: 'empty.demand' });
  for (const key of ['end', 'duration'] as const) {
    const r = rules[key];
    if (r !== 'error' && r !== 'skip' && !(typeof r === 'number' && r > 0)) throw new UserError(`must be 'error', 'skip' or seconds > 0, got ${JSON.stringify(r)}`, { field: `empty.${key}` });
    if (empty?.[key] !== undefined && map[key] === undefined) {
      throw new UserError(`is a rule for the '${key}' column, but the mapping has no columns.${key} (it maps ${key === 'end' ? 'duration' : 'end'}): use empty.${key === 'end' ? 'duration' : 'end'}`, { field: `empty.${key}` });
    }
  }
  if (rules.arrival !== 'error' && rules.arrival !== 'skip' && rules.arrival !== 'origin') throw new UserError(`must be 'error', 'skip' or 'origin', got ${JSON.stringify(rules.arrival)}`, { field: 'empty.arrival' });
  // The trace's start must be known before the first record: the first arrival read may come after one that has none.
  if (rules.arrival === 'origin' && origin === undefined) {
    throw new UserError("'origin' starts a record with no arrival at the trace's start, so set the trace's origin too (origin: the start in the arrival column's clock, e.g. 0 for seconds since the trace began)", { field: 'empty.arrival' });
  }
  return rules;
}

function colRef(ref: string | CsvColumnRef): Required<CsvColumnRef> {
  return typeof ref === 'string' ? { column: ref, scale: 1, offset: 0 } : { column: ref.column, scale: ref.scale ?? 1, offset: ref.offset ?? 0 };
}

function timeRef(ref: string | CsvTimeColumn): Required<CsvTimeColumn> {
  return typeof ref === 'string' ? { column: ref, format: 'auto', scale: 1 } : { column: ref.column, format: ref.format ?? 'auto', scale: ref.scale ?? 1 };
}

/** A cell of seconds ≥ 0 through its column's scale and offset: negative after them (a mis-signed offset) is an error, as for demand. */
function scaledSeconds(raw: string, ref: Required<CsvColumnRef>, cell: Cell, what: string): number {
  const v = parseNonNegativeCell(raw, cell) * ref.scale + ref.offset;
  if (v < 0) throw bad(cell, `${what} ${v} s is negative after scale/offset (${raw} × ${ref.scale} + ${ref.offset})`);
  return boundedSeconds(v, cell, what);
}

const RANKED: readonly Priority[] = PRIORITIES;

function parsePriorityCell(raw: string, cell: Cell, values: Readonly<Record<string, Priority>> | undefined): Priority {
  if (values !== undefined) {
    const p = values[raw];
    if (p === undefined) throw bad(cell, `'${raw}' has no priority in the mapping (known: ${Object.keys(values).join(', ')})`);
    return p;
  }
  const s = raw.toLowerCase();
  if (isPriority(s)) return s;
  if (/^[0-4]$/.test(s)) return RANKED[Number(s)] as Priority;
  throw bad(cell, `'${raw}' is not a priority (${PRIORITIES.join(', ')}, or a rank 0-4)`);
}

/** Where each mapped column is in a row (a missing column is an error naming what it was mapped to). */
function resolveColumns(header: CsvHeader, map: CsvColumnMapping, space: TraceReadOptions['space'], { where, exclude }: Pick<CsvTraceOptions, 'where' | 'exclude'>) {
  const arrival = timeRef(map.arrival);
  const end = map.end === undefined ? undefined : timeRef(map.end);
  const duration = map.duration === undefined ? undefined : colRef(map.duration);
  const requested = map.requestedDuration === undefined ? undefined : colRef(map.requestedDuration);
  const slo = map.sloWait === undefined ? undefined : colRef(map.sloWait);
  const prio = map.priority === undefined ? undefined : typeof map.priority === 'string' ? { column: map.priority, values: undefined } : map.priority;
  const demand = Object.entries(map.demand).map(([dim, ref]) => {
    const r = colRef(ref);
    return { dim: space.indexOf(dim), name: dim, ...r, at: header.require(r.column, `demand.${dim}`) };
  });
  const labels = Object.entries(map.labels ?? {}).map(([label, column]) => ({ label, column, at: header.require(column, `labels.${label}`) }));
  const endAt = end === undefined ? undefined : { ...end, at: header.require(end.column, 'end') };
  const durationAt = duration === undefined ? undefined : { ...duration, at: header.require(duration.column, 'duration') };
  return {
    id: map.id === undefined ? undefined : header.require(map.id, 'id'),
    tenant: map.tenant === undefined ? undefined : header.require(map.tenant, 'tenant'),
    arrival: { ...arrival, at: header.require(arrival.column, 'arrival') },
    end: endAt,
    duration: durationAt,
    requested: requested === undefined ? undefined : { ...requested, at: header.require(requested.column, 'requestedDuration') },
    slo: slo === undefined ? undefined : { ...slo, at: header.require(slo.column, 'sloWait') },
    priority: prio === undefined ? undefined : { ...prio, at: header.require(prio.column, 'priority') },
    preemptible: map.preemptible === undefined ? undefined : { column: map.preemptible, at: header.require(map.preemptible, 'preemptible') },
    demand,
    labels,
    // The run-time column (duration or end), whose empty cells the `empty` rule for that key covers.
    runKey: duration !== undefined ? ('duration' as const) : ('end' as const),
    runAt: durationAt ?? (endAt as NonNullable<typeof endAt>),
    filter: new RowFilter({ where, exclude }, (column, field) => header.require(column, field)),
  };
}

/**
 * The column names given for a file without a header row (`header`), checked before reading: each
 * a distinct non-empty name, and every mapped column among them.
 */
function givenHeader(file: string, names: readonly string[], map: CsvColumnMapping, space: TraceReadOptions['space'], rules: Pick<CsvTraceOptions, 'where' | 'exclude'>) {
  if (names.length === 0) throw new UserError('needs the column names of the file, in file order', { field: 'header' });
  names.forEach((n, i) => {
    if (n.trim() === '') throw new UserError('is an empty column name', { field: `header[${i}]` });
    const first = names.indexOf(n);
    if (first < i) throw new UserError(`'${n}' is named twice (also header[${first}])`, { field: `header[${i}]` });
  });
  return { names, cols: resolveColumns(new CsvHeader(file, { line: 1, values: names }, false, 'header'), map, space, rules) };
}

/** A first row that repeats the given names (ignoring case and spaces) is a header row after all. */
function sameNames(row: readonly string[], names: readonly string[]): boolean {
  return row.length === names.length && row.every((v, i) => v.trim().toLowerCase() === (names[i] as string).trim().toLowerCase());
}

/**
 * Stream Requests from a CSV file with a header row (or the column names in `header`), mapping columns to Request fields.
 * Missing mapped columns fail before the first record; bad values fail with file:line and field.
 */
export function readCsvRequests(file: string, opts: CsvTraceOptions): TraceStream {
  const { space, columns: map } = opts;
  if (map.duration === undefined && map.end === undefined) {
    throw new UserError(`the CSV column mapping needs 'duration' or 'end'`, { field: 'columns.duration' });
  }
  for (const dim of Object.keys(map.demand)) {
    if (!space.has(dim)) throw new UserError(`unknown resource dimension '${dim}' (the scenario has: ${space.names.join(', ')})`, { field: `columns.demand.${dim}` });
  }
  const fixedDemand = new Array<number>(space.size).fill(0);
  for (const [dim, q] of Object.entries(opts.defaults?.demand ?? {})) {
    if (!space.has(dim)) throw new UserError(`unknown resource dimension '${dim}' (the scenario has: ${space.names.join(', ')})`, { field: `defaults.demand.${dim}` });
    if (map.demand[dim] !== undefined) throw new UserError(`'${dim}' is also mapped to a column (columns.demand.${dim}): give it one way`, { field: `defaults.demand.${dim}` });
    if (!(q >= 0) || !Number.isFinite(q)) throw new UserError(`must be a number ≥ 0, got ${q}`, { field: `defaults.demand.${dim}` });
    fixedDemand[space.indexOf(dim)] = q;
  }
  if (opts.defaults?.priority !== undefined && !isPriority(opts.defaults.priority)) {
    throw new UserError(`'${String(opts.defaults.priority)}' is not a priority (${PRIORITIES.join(', ')})`, { field: 'defaults.priority' });
  }
  arrivalSortFor(opts.unsorted); // the rule checked before any reading
  const empty = emptyRules(map, opts.empty, opts.origin);
  const given = opts.header === undefined ? undefined : givenHeader(file, opts.header, map, space, opts);
  const stats = newTraceStats();
  const limit = opts.limit ?? Infinity;
  const idPrefix = opts.idPrefix ?? 'csv-';
  const defTenant = opts.defaults?.tenant ?? 'default';
  const defPriority: Priority = opts.defaults?.priority ?? 'medium';
  const defPreempt = opts.defaults?.preemptible ?? false;
  const defSlo = opts.defaults?.sloWait;

  async function* gen(): AsyncGenerator<Request> {
    if (limit <= 0) return;
    let cols: ReturnType<typeof resolveColumns> | undefined = given?.cols;
    const clock = new ArrivalClock(opts.origin, true, UNSORTED_HINT);
    /** Under `unsorted: sort` or `{ window }`: the requests held until given back in arrival order (arrival set then). */
    const held = arrivalSortFor<Request>(opts.unsorted);
    /** Ids read so far (only with an id column): a second request with one id is refused. */
    const ids = new UniqueIds();

    let header: readonly string[] = given?.names ?? [];
    for await (const row of csvRows(file, { delimiter: opts.delimiter })) {
      if (cols === undefined) {
        cols = resolveColumns(new CsvHeader(file, row), map, space, opts);
        header = row.values;
        continue;
      }
      if (given !== undefined && stats.records === 0 && sameNames(row.values, given.names)) {
        throw new TraceFormatError(`line ${row.line} holds the column names given in 'header': the file has a header row, so leave 'header' out`, { file, line: row.line });
      }
      checkRowWidth(file, row, header, opts.delimiter, given === undefined ? undefined : "'header' names");
      stats.records++;
      const c = cols;
      const cell = (field: string): Cell => ({ file, line: row.line, field });
      const v = (at: number) => cellValue(row, at);

      if (!c.filter.keeps(v, stats.skipped)) continue;
      // Empty time cells, by the `empty` rules: an error that names the option, a counted skip, or a fixed run time.
      const { runKey, runAt } = c;
      const emptyArrival = v(c.arrival.at).trim() === '';
      const emptyRun = v(runAt.at).trim() === '';
      if (emptyArrival && empty.arrival === 'error') throw bad(cell(c.arrival.column), "empty arrival: set 'empty.arrival: skip' to leave such records out (counted), or 'origin' to start them at the trace's start");
      if (emptyRun && empty[runKey] === 'error') throw bad(cell(runAt.column), `empty ${runKey}: set 'empty.${runKey}' to skip (counted) or to a run time in seconds`);
      if ((emptyArrival && empty.arrival === 'skip') || (emptyRun && empty[runKey] === 'skip')) {
        countIn(stats.skipped, emptyArrival && empty.arrival === 'skip' ? 'empty-arrival' : `empty-${runKey}`);
        continue;
      }
      const emptyDemand = c.demand.find((d) => v(d.at).trim() === '');
      if (emptyDemand !== undefined && empty.demand === 'error') throw bad(cell(emptyDemand.column), `empty demand for '${emptyDemand.name}': set 'empty.demand' to zero (no demand in that dimension, counted) or skip (counted)`);
      if (emptyDemand !== undefined && empty.demand === 'skip') {
        countIn(stats.skipped, 'empty-demand');
        continue;
      }
      if (emptyDemand !== undefined) countIn(stats.adjusted, 'empty-demand');
      // `origin`: work that began before the trace starts at its start (emptyRules made sure it is set).
      if (emptyArrival) countIn(stats.adjusted, 'empty-arrival');
      const t = emptyArrival ? (opts.origin as number) : parseTimestampCell(v(c.arrival.at), cell(c.arrival.column), c.arrival.format, c.arrival.scale);
      let duration: number;
      if (emptyRun) {
        duration = empty[runKey] as number;
        countIn(stats.adjusted, `empty-${runKey}`);
      } else if (c.duration !== undefined) {
        duration = parseNumberCell(v(c.duration.at), cell(c.duration.column)) * c.duration.scale + c.duration.offset;
        if (duration < 0) throw bad(cell(c.duration.column), `duration ${duration} s is negative`);
        boundedSeconds(duration, cell(c.duration.column), 'duration');
      } else {
        const e = c.end as NonNullable<typeof c.end>;
        const te = parseTimestampCell(v(e.at), cell(e.column), e.format, e.scale);
        duration = te - t;
        if (duration < 0) throw bad(cell(e.column), `end ${te} is before arrival ${t}`);
        boundedSeconds(duration, cell(e.column), 'duration');
      }
      const arrival = held === undefined ? clock.relative(t, cell(c.arrival.column), v(c.arrival.at)) : 0;
      const demand = fixedDemand.slice();
      for (const d of c.demand) {
        if (emptyDemand !== undefined && v(d.at).trim() === '') continue; // `zero`: no demand in that dimension
        const raw = parseNonNegativeCell(v(d.at), cell(d.column));
        const q = raw * d.scale + d.offset;
        // A finite cell times a finite scale may overflow: an infinite demand is no request.
        if (!Number.isFinite(q)) throw bad(cell(d.column), `demand '${v(d.at)}' × scale ${d.scale}${d.offset === 0 ? '' : ` + offset ${d.offset}`} for '${d.name}' is ${TOO_LARGE}`);
        if (q < 0) throw bad(cell(d.column), `demand ${q} for '${d.name}' is negative after scale/offset`);
        demand[d.dim] = q;
      }
      let labels: Record<string, string> | undefined;
      for (const l of c.labels) {
        const s = v(l.at);
        if (s === '') continue;
        (labels ??= {})[l.label] = s;
      }
      const constraints: RequestConstraints | undefined = labels === undefined ? undefined : { labels };
      const requestedRaw = c.requested === undefined ? '' : v(c.requested.at);
      const sloRaw = c.slo === undefined ? '' : v(c.slo.at);
      const requestedDuration = c.requested === undefined || requestedRaw === '' ? undefined : scaledSeconds(requestedRaw, c.requested, cell(c.requested.column), 'requested duration');
      const sloWait = c.slo === undefined || sloRaw === '' ? defSlo : scaledSeconds(sloRaw, c.slo, cell(c.slo.column), 'SLO wait');
      // Generated ids are the record's index in the file (0-based), skipped records included.
      const id = c.id === undefined ? `${idPrefix}${stats.records - 1}` : v(c.id);
      if (id === '') throw bad(cell(map.id as string), 'empty id');
      if (c.id !== undefined) ids.check(id, cell(map.id as string));
      const tenant = c.tenant === undefined ? defTenant : v(c.tenant) || defTenant;
      const req: Request = {
        id,
        tenant,
        arrival,
        demand,
        duration,
        priority: c.priority === undefined ? defPriority : parsePriorityCell(v(c.priority.at), cell(c.priority.column), c.priority.values),
        preemptible: c.preemptible === undefined ? defPreempt : parseBooleanCell(v(c.preemptible.at), cell(c.preemptible.column)),
        ...(requestedDuration !== undefined ? { requestedDuration } : {}),
        ...(sloWait !== undefined ? { sloWait } : {}),
        ...(constraints !== undefined ? { constraints } : {}),
      };
      if (held !== undefined) {
        if (held.add(t, req, cell(c.arrival.column), v(c.arrival.at))) countIn(stats.adjusted, 'reordered-by-arrival');
        for (const { item, arrival } of held.release(opts.origin)) {
          stats.emitted++;
          noteHeld(stats, held.pending);
          yield { ...item, arrival };
          if (stats.emitted >= limit) return;
        }
        continue;
      }
      stats.emitted++;
      yield req;
      if (stats.emitted >= limit) return;
    }
    if (given === undefined && cols === undefined) throw new TraceFormatError('empty file: expected a header row', { file, line: 1 });
    if (given !== undefined && stats.records === 0) throw new TraceFormatError(`empty file: expected records of the ${given.names.length} columns named in 'header'`, { file, line: 1 });
    if (stats.records === 0) throw new TraceFormatError('no records after the header: the trace holds no requests', { file, line: 2 });
    cols?.filter.checkMatched(file, stats.records, 'row');
    // `limit` keeps the earliest requests; generated ids keep the record's index in the file.
    for (const { item, arrival } of held?.sorted(opts.origin) ?? []) {
      stats.emitted++;
      noteHeld(stats, held?.pending ?? 0);
      yield { ...item, arrival };
      if (stats.emitted >= limit) return;
    }
    if (stats.emitted === 0) throw nothingToReplay(file, stats, "the mapped columns (is one empty?) and the options that skip records (empty, where, exclude)");
  }

  return traceStream(stats, gen);
}
