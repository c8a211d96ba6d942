/**
 * An event log read from a CSV file into a series (`drs forecast --step`): each row is an event at
 * the time in its time column, summed, counted or averaged into epoch-aligned bins by EventBinner
 * (series.ts). A cluster's table usually mixes kinds of work and leaves the time empty for work that
 * began before it: rows can be filtered (`where`) and rows without a time left out (`skipEmpty`),
 * each counted in `repairs.skippedRows`.
 */
import { TraceFormatError } from '../core/errors.js';
import { parseValue, timestampCell } from './cells.js';
import { baseName, EventBinner, type Aggregation, type Series } from './series.js';
import { columnIndex, rows } from './series-rows.js';

export interface AggregateOptions {
  /** Bin width in seconds. */
  step: number;
  /** Column with the event time (default: the first of timestamp, timestamp_anon, time, arrival). */
  timeColumn?: string;
  /** Column summed or averaged (default `value`; unused for `count`). */
  valueColumn?: string;
  how?: Aggregation;
  maxGap?: number;
  /** Aggregate only the rows whose cell in each named column is one of the values (exact match). */
  where?: Readonly<Record<string, readonly string[]>>;
  /** Leave out rows whose time cell is empty (counted), instead of refusing them. */
  skipEmpty?: boolean;
}

export async function aggregateEventsCsv(file: string, options: AggregateOptions): Promise<Series> {
  const how = options.how ?? 'sum';
  let binner = new EventBinner(options.step, { file }); // refuses a bad step before the file is read
  let ti = -1;
  let vi = -1;
  let header: string[] = [];
  let events = 0;
  let where: { at: number; column: string; want: readonly string[] }[] = [];
  const seen: string[] = [];
  const skipped = { where: 0, emptyTime: 0 };
  for await (const { cells, line } of rows(file)) {
    if (ti < 0) {
      header = cells;
      ti = columnIndex(cells, options.timeColumn === undefined ? ['timestamp', 'timestamp_anon', 'time', 'arrival'] : [options.timeColumn], file, 'time');
      vi = how === 'count' ? -1 : columnIndex(cells, [options.valueColumn ?? 'value'], file, 'value');
      where = Object.entries(options.where ?? {}).map(([column, want]) => ({ at: columnIndex(cells, [column], file, 'where'), column, want }));
      binner = new EventBinner(options.step, { file, field: header[ti] }); // errors name the time column too
      continue;
    }
    if (where.some((w) => !w.want.includes((cells[w.at] ?? '').trim()))) {
      for (const w of where) if (seen.length < 10 && !seen.includes((cells[w.at] ?? '').trim())) seen.push((cells[w.at] ?? '').trim());
      skipped.where++;
      continue;
    }
    if (options.skipEmpty === true && (cells[ti] ?? '').trim() === '') {
      skipped.emptyTime++;
      continue;
    }
    const t = timestampCell(cells[ti] ?? '', file, line, header[ti] ?? 'timestamp', options.skipEmpty === true ? undefined : '--skip-empty leaves rows with an empty time out (counted)');
    binner.add(t, vi < 0 ? 1 : parseValue(cells[vi] ?? '', file, line, header[vi] ?? 'value'), line);
    events++;
  }
  if (ti < 0) throw new TraceFormatError('empty file: expected a header and event rows', { file });
  if (events === 0 && skipped.where > 0) {
    const wanted = where.map((w) => `${w.column} = ${w.want.map((x) => `'${x}'`).join(' or ')}`).join(', ');
    throw new TraceFormatError(`no row matches --where ${wanted} among ${skipped.where + skipped.emptyTime} row(s); values seen there include ${seen.map((x) => `'${x}'`).join(', ')} (matching is exact, case included)`, { file });
  }
  if (events === 0) throw new TraceFormatError(skipped.emptyTime > 0 ? `no events with a time: all ${skipped.emptyTime} row(s) have an empty time cell` : 'no events after the header', { file });
  const { start, values, repairs } = binner.finish(how, options.maxGap);
  const left = { ...(skipped.where > 0 ? { where: skipped.where } : {}), ...(skipped.emptyTime > 0 ? { emptyTime: skipped.emptyTime } : {}) };
  return { name: baseName(file), file, start, step: options.step, values, repairs: Object.keys(left).length > 0 ? { ...repairs, skippedRows: left } : repairs };
}
