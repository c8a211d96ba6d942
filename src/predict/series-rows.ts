import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse, type Options } from 'csv-parse';
import { fileHead, gzipName } from '../core/compression.js';
import { BINARY_CSV, CSV_LINE_ENDS, csvCompressionProblem, csvParseMessage, GZIP_NAME_HINT, isBinaryText, quotedCrlfs } from '../core/csv-text.js';
import { TraceFormatError, UserError } from '../core/errors.js';

/*
 * The rows of a series CSV (series.ts reads them into a Series): csv-parse over the file, gunzipped
 * when the name ends in `.gz`, each row with its physical line; and the header's column lookup.
 */

export interface Row {
  cells: string[];
  line: number;
}

export async function* rows(file: string): AsyncGenerator<Row> {
  // Gzip data without a .gz name (or a zip) failed as "Invalid Record Length" on line 2.
  const compressed = csvCompressionProblem(file, await fileHead(file));
  if (compressed !== undefined) throw new TraceFormatError(`not a readable CSV: ${compressed}`, { file, line: 1 });
  // Lines csv-parse counted twice so far (CRLFs inside quoted cells), counted as the parser meets
  // each record: it parses, and fails, ahead of the rows taken from it (see src/traces/csv-rows.ts).
  let extra = 0;
  const options: Options<Row & { info: { lines: number } }, { record: string[]; info: { lines: number } }> = {
    info: true,
    trim: true,
    skip_empty_lines: true,
    record_delimiter: CSV_LINE_ENDS,
    on_record: (rec) => {
      extra += quotedCrlfs(rec.record);
      return { cells: rec.record, line: rec.info.lines - extra, info: rec.info };
    },
  };
  const parser = parse(options as unknown as Options); // its typings give on_record a generic record type only together with `columns`
  // pipe() does not forward errors: hand a read or gunzip failure to the parser we iterate.
  const source = createReadStream(file);
  source.on('error', (e) => parser.destroy(e));
  if (gzipName(file)) {
    const gunzip = createGunzip();
    gunzip.on('error', (e) => parser.destroy(new TraceFormatError(`not a valid gzip file: ${e.message}`, { file })));
    source.pipe(gunzip).pipe(parser);
  } else {
    source.pipe(parser);
  }
  let first = true;
  try {
    for await (const rec of parser as AsyncIterable<Row & { info: { lines: number } }>) {
      // A gzip file without a .gz name (or any binary file) parses as one line of noise: say so
      // there, rather than list the noise as the header's column names.
      if (first && rec.cells.some(isBinaryText)) throw new TraceFormatError(`not a readable CSV: ${BINARY_CSV} (${GZIP_NAME_HINT})`, { file, line: rec.info.lines });
      first = false;
      yield { cells: rec.cells, line: rec.line };
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    const err = e as { code?: string; lines?: number; message?: string; field?: unknown };
    // The location already names the file: the message says what is wrong with it, as the trace readers' do.
    if (err.code === 'ENOENT') throw new UserError('series file not found', { file });
    if (err.code === 'EISDIR') throw new UserError('is a folder, not a series file', { file });
    if (err.code === 'EACCES') throw new UserError('cannot read the series file: permission denied', { file });
    // csv-parse quotes the whole offending field ("…, value is …"): for binary data a screen of noise.
    const binary = typeof err.field === 'string' && isBinaryText(err.field);
    throw new TraceFormatError(`not a readable CSV: ${binary ? `${BINARY_CSV} (${GZIP_NAME_HINT})` : csvParseMessage(err.message ?? String(e))}`, { file, line: err.lines === undefined ? undefined : err.lines - extra });
  }
}

export function columnIndex(header: string[], wanted: readonly string[], file: string, what: string): number {
  for (const w of wanted) {
    const i = header.indexOf(w);
    if (i >= 0) return i;
  }
  // Then ignoring case, when only one column matches: the Azure LLM trace names its time column 'TIMESTAMP'.
  for (const w of wanted) {
    const hits = header.flatMap((h, i) => (h.toLowerCase() === w.toLowerCase() ? [i] : []));
    if (hits.length === 1) return hits[0] as number;
  }
  // Several columns match ignoring case ('timestamp' and 'Timestamp'): say which flag picks one.
  const near = header.filter((h) => wanted.some((w) => h.toLowerCase() === w.toLowerCase()));
  const flag = what === 'value' ? '--value-column' : '--time-column';
  const hint = near.length === 0 ? `: give ${flag} to name the ${what} column` : `; ${near.map((h) => `'${h}'`).join(' and ')} differ only in case: give ${flag} with the one to use`;
  throw new TraceFormatError(`header has no ${what} column (looked for ${wanted.map((w) => `'${w}'`).join(' or ')}; found ${header.map((h) => `'${h}'`).join(', ')})${hint}`, { file, line: 1 });
}
