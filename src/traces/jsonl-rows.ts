import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { compressionOf, decompressHint, fileHead, gzipName } from '../core/compression.js';
import { isBinaryText, utf16Of } from '../core/csv-text.js';
import { TraceFormatError, UserError } from '../core/errors.js';
import { gzipTrailingBytes } from './gzip-trailing.js';

/*
 * JSON Lines trace files (one JSON object per line, e.g. the Mooncake FAST'25 request traces:
 * `{"timestamp": 27482, "input_length": 6955, "output_length": 52, "hash_ids": [...]}`), streamed
 * line by line: a name ending in `.gz` is gunzipped on the fly, nothing is held beyond one line.
 * csv-parse cannot read them (a JSON array holds commas), so this is the JSONL counterpart of
 * csv-rows.ts. Line numbers are 1-based physical lines; blank lines are no records but count; a
 * UTF-8 byte-order mark and CRLF line ends are accepted. A line that is not JSON, or is JSON but
 * not an object, or an object with a key given twice (JSON.parse would keep the last value without
 * a word), is a TraceFormatError at its line.
 */

export interface JsonlRecord {
  /** 1-based line number. */
  readonly line: number;
  readonly value: Readonly<Record<string, unknown>>;
}

/** A name that says JSON Lines: `.jsonl`, `.ndjson` (optionally `.gz`). */
export function isJsonlName(file: string): boolean {
  return /\.(jsonl|ndjson)(\.gz)?$/i.test(file);
}

function compressionProblem(file: string, head: Uint8Array | undefined): string | undefined {
  if (head === undefined) return undefined;
  const c = compressionOf(head);
  const gzName = gzipName(file);
  if (c === 'gzip') return gzName ? undefined : 'the file is gzip-compressed: a gzip-compressed file needs a name ending in .gz';
  if (c !== undefined) return `the file is compressed with ${c}: ${decompressHint(c)} (JSON Lines files are read as plain text, or gzip with a name ending in .gz)`;
  const utf16 = utf16Of(head);
  // It failed as "Unexpected token '�'" with its NUL bytes quoted, and the advice to read it as CSV.
  if (utf16 !== undefined) return `the file is UTF-16 text (${utf16}-endian), JSON Lines files are read as UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 converts it)`;
  return gzName && head.length > 0 ? 'the name ends in .gz but the file is not gzip-compressed: rename it without .gz (or gzip it)' : undefined;
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a string' : `a ${typeof v}`);

/** Stream the records of a JSON Lines file. */
export async function* jsonlRecords(file: string): AsyncGenerator<JsonlRecord> {
  const problem = compressionProblem(file, await fileHead(file));
  if (problem !== undefined) throw new TraceFormatError(problem, { file, line: 1 });
  const source = createReadStream(file);
  const text: Readable = gzipName(file) ? source.pipe(createGunzip()) : source;
  // A read error on the file stream is not forwarded by pipe(): hand it to the text stream.
  source.on('error', (e) => text.destroy(e));
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let line = 0;
  let first = true;
  try {
    for await (const raw of lines) {
      line++;
      const s = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (s === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(s);
      } catch (e) {
        // Binary bytes: said as such, not quoted back as the token JSON.parse choked on.
        if (isBinaryText(s)) throw new TraceFormatError('binary data, not JSON Lines text', { file, line });
        // A first record that does not even start like JSON is most likely another format (a CSV header).
        const hint = first && !/^[[{"]/.test(s) ? "; this looks like another format: for a CSV file with a header, set 'format: csv'" : '';
        throw new TraceFormatError(`not a JSON object (${(e as Error).message}): each line of a JSON Lines file holds one object${hint}`, { file, line });
      }
      first = false;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new TraceFormatError(`expected a JSON object ({ ... }) on each line, got ${kindOf(value)}`, { file, line });
      }
      const again = mayRepeatKey(s, value) ? duplicateKey(s) : undefined;
      if (again !== undefined) {
        throw new TraceFormatError(`the key '${again}' is given twice in this record (a JSON reader keeps only the last value): give each key once`, { file, line, field: again });
      }
      yield { line, value: value as Record<string, unknown> };
    }
  } catch (e) {
    throw readError(e, file, line);
  } finally {
    lines.close();
    text.destroy();
    // pipe() does not close the file when gunzip is destroyed: a reader stopped early (limit) would keep its descriptor.
    source.destroy();
  }
}

/**
 * Whether the JSON text `s` of `value` may hold a key twice, without scanning it (duplicateKey costs
 * 1.7× JSON.parse per line): false only when no whitespace stands before a colon and the `":` pairs
 * in the text are exactly as many as the keys `value` kept. Each key written `"k":` makes one such
 * pair; other pairs (a string value that starts with ':', an escaped quote before one) only add, so
 * equal counts leave no room for a key written twice, which JSON.parse would have kept once.
 */
export function mayRepeatKey(s: string, value: unknown): boolean {
  if (/"\s+:/.test(s)) return true;
  let pairs = 0;
  for (let i = s.indexOf('":'); i >= 0; i = s.indexOf('":', i + 2)) pairs++;
  return pairs !== keyCount(value);
}

/** Keys of every object in a parsed JSON value. */
function keyCount(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x: unknown) => n + keyCount(x), 0);
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  for (const x of Object.values(v)) n += 1 + keyCount(x);
  return n;
}

/**
 * The first key that one object of the JSON text `s` (already valid JSON) holds twice, at any
 * depth, or undefined. Keys are compared as JSON.parse reads them (`"a"` and `"\u0061"` are one).
 * One pass over the text: a stack of the keys seen in each open object (null for an array).
 */
export function duplicateKey(s: string): string | undefined {
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x7b /* { */) open.push(new Set());
    else if (c === 0x5b /* [ */) open.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) open.pop();
    else if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const keys = open[open.length - 1];
      if (keys === undefined || keys === null) continue;
      // A string in an object is a key when a ':' follows it (else it is a value).
      let j = i + 1;
      while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\r' || s[j] === '\n')) j++;
      if (s[j] !== ':') continue;
      const raw = s.slice(start, i + 1);
      const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
}

function readError(e: unknown, file: string, lastLine: number): Error {
  if (e instanceof UserError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new UserError('trace file not found', { file });
  if (err.code === 'EISDIR') return new UserError('is a folder, not a trace file', { file });
  if (err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR' || err.code === 'Z_STREAM_ERROR') {
    const trailing = gzipTrailingBytes(e, file);
    if (trailing !== undefined) return trailing;
    return new TraceFormatError(`corrupt or truncated gzip data after line ${lastLine} (${err.message})`, { file, line: lastLine + 1 });
  }
  if (typeof err.code === 'string' && typeof err.syscall === 'string') return new UserError(`cannot read trace file (${err.code})`, { file });
  return err instanceof Error ? err : new Error(String(e));
}

/**
 * A record's field as text, the way a CSV cell would be written (numbers as JavaScript writes
 * them), so that one set of cell parsers reads both formats: a missing field (named with what the
 * mapping took it for, `mappedTo`) or one that holds an
 * object, array or boolean is an error at the line naming the field; `null` reads as empty; an id
 * (`mappedTo` 'id') that is a whole number past 2^53 is an error (JSON.parse rounded it).
 */
export function jsonlField(rec: JsonlRecord, field: string, file: string, mappedTo?: string): string {
  if (!Object.hasOwn(rec.value, field)) {
    const what = mappedTo === undefined || mappedTo === field ? '' : ` (mapped to '${mappedTo}')`;
    throw new TraceFormatError(`no field '${field}'${what} on this line (it has: ${Object.keys(rec.value).join(', ') || 'no fields'})`, { file, line: rec.line, field });
  }
  const v = rec.value[field];
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    // An id is text: a whole number past 2^53 was rounded by JSON.parse, so distinct ids could read as one.
    if (mappedTo === 'id' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      throw new TraceFormatError(`id ${String(v)} is a number beyond 2^53, which JSON readers round (two ids may read as one): write the ids as strings ("id": "...")`, { file, line: rec.line, field });
    }
    return String(v);
  }
  throw new TraceFormatError(`expected a number or a string, got ${kindOf(v)}`, { file, line: rec.line, field });
}
