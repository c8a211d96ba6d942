import { compressionOf, decompressHint, gzipName } from './compression.js';

/**
 * What the CSV readers (src/traces, src/predict) say about a file csv-parse could not read: its
 * error without the offending field it quotes (for binary data, a screen of noise), and whether
 * that field is binary data rather than text, with the usual cause.
 */

/** What a CSV reader met, and its usual cause. */
export const BINARY_CSV = 'binary data, not CSV text';
export const GZIP_NAME_HINT = 'a gzip-compressed file needs a name ending in .gz';

/**
 * Line ends the CSV readers accept, each line on its own: csv-parse otherwise takes the first
 * line end it meets as the whole file's, so an LF-only line in a CRLF file (one added with a Unix
 * tool to the Azure trace) was glued to the next line, and the error named that line's cell count
 * instead of the bad value. Longest first, so CRLF is one line end, not two.
 */
export const CSV_LINE_ENDS = ['\r\n', '\n', '\r'];

/**
 * How many lines too many csv-parse counts for a record: it counts a CRLF inside a quoted cell as
 * two line ends, so without this every line number after such a cell is too large.
 */
export function quotedCrlfs(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) for (let i = c.indexOf('\r\n'); i >= 0; i = c.indexOf('\r\n', i + 2)) n++;
  return n;
}

/** Control characters no text CSV holds (tab, line ends and form feed aside), or bytes that are not UTF-8. */
export function isBinaryText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 9 || (c > 13 && c < 27) || c === 0xfffd) return true;
  }
  return false;
}

/**
 * A csv-parse error's message without the field it quotes (`…, value is "…"`) and without its own
 * `at line N`: the readers name the line themselves, corrected for what csv-parse counts twice
 * (a CRLF inside a quoted cell), so its number could contradict theirs.
 */
export function csvParseMessage(message: string): string {
  // csv-parse counts fields from 0 ("on field 3" is the fourth cell); we say cells from 1, as a spreadsheet does.
  return message
    .replace(/, value is [\s\S]*$/, '')
    .replace(/ at line \d+/, '')
    .replace(/ on field (\d+)/, (_m, n: string) => ` in cell ${Number(n) + 1}`);
}

/**
 * What is wrong with reading `file` as CSV text, given its first bytes (`fileHead`): the CSV
 * readers gunzip a name ending in `.gz` and read anything else as plain text, so gzip data under
 * another name, a `.gz` name on plain text, or another compression is said in words before the
 * parser turns it into a malformed-quote or record-length error. Undefined when nothing is.
 */
export function csvCompressionProblem(file: string, head: Uint8Array | undefined): string | undefined {
  if (head === undefined) return undefined;
  const c = compressionOf(head);
  const gzName = gzipName(file);
  if (c === 'gzip') return gzName ? undefined : `the file is gzip-compressed (${GZIP_NAME_HINT})`;
  if (c !== undefined) return `the file is compressed with ${c}: ${decompressHint(c)} (the CSV readers read plain text, or gzip with a name ending in .gz)`;
  const utf16 = utf16Of(head);
  // It parsed as binary noise: "binary data, not CSV text (a gzip-compressed file needs a name ending in .gz)".
  if (utf16 !== undefined) return `the file is UTF-16 text (${utf16}-endian), the CSV readers read UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 converts it)`;
  return gzName && head.length > 0 ? "the name ends in .gz but the file is not gzip-compressed: rename it without .gz (or gzip it)" : undefined;
}

/**
 * UTF-16 text (Excel's "Unicode text", PowerShell's `>`): its byte-order mark, or, without one, a
 * NUL byte after (little-endian) or before (big-endian) each of the first two ASCII characters.
 * (The JSONL reader, traces/jsonl-rows.ts, reads file heads with it too.)
 */
export function utf16Of(head: Uint8Array): 'little' | 'big' | undefined {
  const [a, b, c, d] = [head[0], head[1], head[2], head[3]];
  if (a === 0xff && b === 0xfe) return 'little';
  if (a === 0xfe && b === 0xff) return 'big';
  if (head.length < 4) return undefined;
  if (a !== 0 && b === 0 && c !== 0 && d === 0) return 'little';
  if (a === 0 && b !== 0 && c === 0 && d !== 0) return 'big';
  return undefined;
}
