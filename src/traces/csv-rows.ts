import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CsvError, parse, type Options } from 'csv-parse';
import { fileHead, gzipName } from '../core/compression.js';
import { BINARY_CSV, CSV_LINE_ENDS, csvCompressionProblem, csvParseMessage, GZIP_NAME_HINT, isBinaryText, quotedCrlfs } from '../core/csv-text.js';
import { TraceFormatError, UserError } from '../core/errors.js';
import { quoteError } from './csv-quote.js';
import { gzipTrailingBytes } from './gzip-trailing.js';

/*
 * The raw rows of a CSV trace file, streamed through csv-parse (a name ending in `.gz` is gunzipped
 * on the fly; nothing is buffered beyond csv-parse's own window), each with its 1-based physical
 * line (the header is line 1; a quoted value spanning lines gives the line on which the record
 * ends). Read and parse failures become a UserError or TraceFormatError naming the file and line.
 * The typed cells and headers built on these rows are in reading.ts, the statistics in trace-stats.ts.
 */

export interface CsvRow {
  /** 1-based line number (header = line 1). */
  readonly line: number;
  readonly values: readonly string[];
}

export interface CsvReadOptions {
  /** Field delimiter, default ','. */
  readonly delimiter?: string;
}

/** Stream the raw rows of a CSV file, header included. Gzip when the name ends in `.gz`. */
export async function* csvRows(file: string, opts: CsvReadOptions = {}): AsyncGenerator<CsvRow> {
  const compressed = csvCompressionProblem(file, await fileHead(file));
  if (compressed !== undefined) throw new TraceFormatError(compressed, { file, line: 1 });
  // Lines csv-parse counted twice so far (CRLFs inside quoted cells), counted as the parser meets
  // each record: it may parse, and fail, well ahead of the records the loop below has taken (one
  // read chunk holds many), so an error's line is corrected by what the parser has seen.
  let extra = 0;
  // The record's line is the parser's live line count when it hands the record over (on_record runs
  // then, synchronously). Not `info: true`: that copies the parser's info into a fresh object for
  // every record, on top of the copy on_record's context already is; the two were a third of the
  // time of reading a 1 M-row trace (`node --cpu-prof bin/drs.js validate --full`).
  let info = { lines: 0 }; // replaced by the parser's own counters, updated in place, once it exists
  const options: Options<CsvRow, string[]> = {
    delimiter: opts.delimiter ?? ',',
    record_delimiter: CSV_LINE_ENDS,
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
    trim: true,
    on_record: (record): CsvRow => {
      extra += quotedCrlfs(record);
      return { line: info.lines - extra, values: record };
    },
  };
  const parser = parse(options as unknown as Options); // its typings give on_record a generic record type only together with `columns`
  info = (parser as unknown as { info: { lines: number } }).info;
  const source = createReadStream(file);
  const done = gzipName(file) ? pipeline(source, createGunzip(), parser) : pipeline(source, parser);
  // Errors reach the consumer through the parser's iterator; an early `break` aborts the pipeline.
  done.catch(() => undefined);
  let line = 0;
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      line = row.line;
      yield row;
    }
  } catch (e) {
    // The parser names where it gave up (the file's end, the next quoted cell); the line to fix is where the quote opened.
    const quote = await quoteError(file, options.delimiter as string, (e as { code?: unknown }).code);
    if (quote !== undefined) throw new TraceFormatError(quote.message, { file, line: quote.line });
    throw wrapReadError(e, file, line, extra);
  } finally {
    parser.destroy();
  }
}

function wrapReadError(e: unknown, file: string, lastLine: number, extraLines: number): Error {
  if (e instanceof UserError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new UserError(`trace file not found`, { file });
  // The file system refused the path (a folder, no permission): the user's to fix, not a bug.
  if (err.code === 'EISDIR') return new UserError('is a folder, not a trace file', { file });
  if (typeof err.code === 'string' && typeof err.syscall === 'string') return new UserError(`cannot read trace file (${err.code})`, { file });
  if (err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR' || err.code === 'Z_STREAM_ERROR') {
    const trailing = gzipTrailingBytes(e, file);
    if (trailing !== undefined) return trailing;
    return new TraceFormatError(`corrupt or truncated gzip data after line ${lastLine} (${err.message})`, { file, line: lastLine + 1 });
  }
  // Every csv-parse error is the file's; INVALID_OPENING_QUOTE (`12 "x"`, or binary data) has no
  // CSV_ prefix and used to escape as a CsvError stack trace.
  if (e instanceof CsvError || (typeof err.code === 'string' && err.code.startsWith('CSV_'))) {
    const raw = (e as { lines?: unknown }).lines;
    const at = typeof raw === 'number' ? raw - extraLines : undefined;
    const line = at !== undefined && at > lastLine ? at : lastLine + 1;
    // The parser quotes the whole offending field, which for binary data is a screen of noise.
    const binary = isBinaryText(String((e as { field?: unknown }).field ?? ''));
    return new TraceFormatError(`malformed CSV: ${csvParseMessage(err.message)}${binary ? ` (${BINARY_CSV}; ${GZIP_NAME_HINT})` : ''}`, { file, line });
  }
  return err instanceof Error ? err : new Error(String(e));
}
