import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { gzipName } from '../core/compression.js';

/*
 * Where a CSV file's unclosed quote opened. csv-parse, meeting a quote that is not closed where the
 * user meant, reads on as one cell and fails far below: at the file's end ("Quote Not Closed: the
 * parsing is finished with an opening quote"), or at the next quoted cell, whose opening quote it
 * takes for the closing one ("Invalid Closing Quote: got "x" instead of delimiter, ..."), naming a
 * line with nothing wrong on it. The line a user must fix is where the quote opened, which the
 * parser does not keep. On those errors (only then) the file is read once more,
 * as csv-rows.ts reads it (gunzipped when the name ends in `.gz`), with the parser's quoting rules:
 * a quote opens a cell only at its start (after the delimiter or a line end, spaces and tabs
 * aside, as `trim` allows), `""` inside quotes is one quote, and CRLF, LF or CR ends a line.
 */

/** A quote that opens a cell and is not closed where it should be. */
export interface OpenQuote {
  /** 1-based physical line where the quote opened. */
  readonly line: number;
  /** 1-based cell of its record that the quote opens. */
  readonly cell: number;
}

/**
 * `eof`: the quote is never closed; the cell runs to the file's last line `lastLine`.
 * `closed-late`: a quote on line `closeLine`, followed by `after` (neither a delimiter, a line end
 * nor a quote), is where the parser took the cell to end: the cell ran on from `open.line`.
 */
export type QuoteProblem =
  | { readonly kind: 'eof'; readonly open: OpenQuote; readonly lastLine: number }
  | { readonly kind: 'closed-late'; readonly open: OpenQuote; readonly closeLine: number; readonly after: string };

/** The first quote of `file` that is not closed right, or undefined when every quote closes (or the file cannot be read again). */
export async function findQuoteProblem(file: string, delimiter: string): Promise<QuoteProblem | undefined> {
  const source = createReadStream(file);
  const input: Readable = gzipName(file) ? source.pipe(createGunzip()) : source;
  source.on('error', (e) => input.destroy(e));
  input.setEncoding('utf8');
  let line = 1;
  let cell = 1;
  let fieldStart = true;
  let inQuote = false;
  /** Inside quotes, a quote seen: `""` (one quote) or the closing one, told by the next character. */
  let quoteSeen = false;
  /** After a closing quote: only spaces and tabs (trimmed), then a delimiter or a line end, may follow. */
  let afterClose = false;
  let lastWasCr = false;
  let last = '';
  let open: OpenQuote | undefined;
  /** The last characters read outside quotes, to match a delimiter of several characters. */
  let tail = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      for (const ch of chunk) {
        const newline = ch === '\n' || ch === '\r';
        if (newline && !(ch === '\n' && lastWasCr)) line++;
        lastWasCr = ch === '\r';
        last = ch;
        if (inQuote) {
          if (!quoteSeen) {
            if (ch === '"') quoteSeen = true;
            continue;
          }
          quoteSeen = false;
          if (ch === '"') continue; // `""`: a quote inside the cell
          inQuote = false; // the quote before closed the cell; this character is read outside it
          afterClose = true;
        }
        if (newline) {
          fieldStart = true;
          afterClose = false;
          cell = 1;
          tail = '';
          continue;
        }
        if (afterClose && ch !== ' ' && ch !== '\t') {
          if (ch !== delimiter[0]) return open === undefined ? undefined : { kind: 'closed-late', open, closeLine: line, after: ch };
          afterClose = false; // a delimiter's first character (the rest is matched below)
        }
        tail = (tail + ch).slice(-delimiter.length);
        if (tail === delimiter) {
          fieldStart = true;
          afterClose = false;
          cell++;
          tail = '';
          continue;
        }
        if (fieldStart && ch === '"') {
          inQuote = true;
          open = { line, cell };
          fieldStart = false;
          continue;
        }
        if (fieldStart && (ch === ' ' || ch === '\t')) continue;
        fieldStart = false;
      }
    }
  } catch {
    return undefined; // read problems are reported by the first reading, not here
  } finally {
    input.destroy();
    source.destroy();
  }
  // A quote seen last closes the cell at the end of the file.
  if (!inQuote || quoteSeen || open === undefined) return undefined;
  // A final line end ends the last line; it starts none.
  return { kind: 'eof', open, lastLine: last === '\n' || last === '\r' ? line - 1 : line };
}

/**
 * The error for the parser's `code` (CSV_QUOTE_NOT_CLOSED or CSV_INVALID_CLOSING_QUOTE) at the
 * line where the quote opened, or undefined to keep the parser's own (another error, or a quote
 * closed wrongly on the line it opened: the parser's line is then the one to fix).
 */
export async function quoteError(file: string, delimiter: string, code: unknown): Promise<{ readonly message: string; readonly line: number } | undefined> {
  if (code !== 'CSV_QUOTE_NOT_CLOSED' && code !== 'CSV_INVALID_CLOSING_QUOTE') return undefined;
  const p = await findQuoteProblem(file, delimiter);
  if (p === undefined) return undefined;
  const fix = 'close it, or write a quote inside a quoted cell as ""';
  if (p.kind === 'eof' && code === 'CSV_QUOTE_NOT_CLOSED') {
    const rest = p.lastLine === p.open.line ? `line ${p.open.line}` : `lines ${p.open.line} to ${p.lastLine}`;
    return { line: p.open.line, message: `malformed CSV: the quote that opens cell ${p.open.cell} on this line is never closed (the rest of the file (${rest}) was read as one cell): ${fix}` };
  }
  if (p.kind === 'closed-late' && code === 'CSV_INVALID_CLOSING_QUOTE' && p.closeLine > p.open.line) {
    return {
      line: p.open.line,
      message: `malformed CSV: the quote that opens cell ${p.open.cell} on this line is not closed on it: the cell ran on to line ${p.closeLine}, where a quote followed by '${p.after}' cannot end it: ${fix}`,
    };
  }
  return undefined;
}
