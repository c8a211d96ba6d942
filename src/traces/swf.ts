import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { compressionOf, decompressHint, MAGIC_BYTES } from '../core/compression.js';
import { TraceFormatError, UserError } from '../core/errors.js';
import { isDecimal } from './decimal.js';
import { gzipTrailingBytes } from './gzip-trailing.js';
import { MAX_TRACE_SECONDS } from './reading.js';
import { swfFieldsFast } from './swf-fields.js';

/**
 * Streaming reader for the Standard Workload Format (SWF) of the Parallel Workloads Archive
 * (https://www.cs.huji.ac.il/labs/parallel/workload/swf.html), plain or gzip-compressed (detected
 * from the file's first bytes, whatever its name). A zip, bzip2, xz or zstd file, or binary bytes
 * before the first job, is a TraceFormatError saying so.
 *
 * A file is header comments (`; Key: value`, continuation lines `;   text`) followed by one job
 * per line of 18 whitespace-separated numbers; -1 means "unknown". Lines are read one at a time
 * (node:zlib + node:readline), validated and yielded; the file is never held in memory. A bad line
 * throws TraceFormatError with the file, the 1-based line number and the field name.
 *
 * The archive's logs come with a notice (the `Acknowledge:` line and, for some, a copyright
 * text): `SwfHeader.lines` keeps every header line so that it can travel with derived results.
 */

/** The 18 SWF fields, in file order (field k of the format is `SWF_FIELDS[k - 1]`). */
export const SWF_FIELDS = [
  'jobNumber', //             1  counter, from 1
  'submitTime', //            2  seconds
  'waitTime', //              3  seconds (what the real scheduler did)
  'runTime', //               4  seconds, wall clock
  'allocatedProcessors', //   5
  'averageCpuTime', //        6  seconds, per processor
  'usedMemory', //            7  KB per processor
  'requestedProcessors', //   8
  'requestedTime', //         9  seconds (the user's estimate)
  'requestedMemory', //      10  KB per processor
  'status', //               11  1 completed, 0 failed, 5 cancelled
  'userId', //               12
  'groupId', //              13
  'executableNumber', //     14
  'queueNumber', //          15
  'partitionNumber', //      16
  'precedingJobNumber', //   17
  'thinkTime', //            18  seconds after the preceding job ended
] as const;

export type SwfField = (typeof SWF_FIELDS)[number];

/** One job line. Every field is a finite number; -1 where the log does not know it. */
export type SwfRecord = { readonly [K in SwfField]: number } & {
  /** 1-based line number in the (decompressed) file. */
  readonly line: number;
};

export interface SwfHeader {
  /** The file the header came from. */
  readonly file: string;
  /** Every header comment line, without its leading `;` (trimmed at the right). */
  readonly lines: readonly string[];
  /** `Key: value` fields in file order; repeated keys (Queue, Partition, Note) keep every value. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** `; MaxProcs:` when given (absent, blank or -1: unknown; anything but a positive whole number is an error). */
  readonly maxProcs?: number;
  /** `; MaxNodes:`, read the same way. */
  readonly maxNodes?: number;
  /** The `; Acknowledge:` line's text: credit that must be kept with any use of the data. */
  readonly acknowledge?: string;
  /** Unix time of submit time 0 (`; UnixStartTime:`, whole seconds), when given; read like MaxProcs (0 allowed). */
  readonly unixStartTime?: number;
}

/** Machine size by the archive's convention: MaxProcs, else MaxNodes; undefined if neither. */
export function swfMachineSize(h: SwfHeader): number | undefined {
  return h.maxProcs ?? h.maxNodes;
}

/** An open SWF file: its header (read first) and its records (streamed; iterate once). */
export interface SwfFile {
  readonly header: SwfHeader;
  readonly records: AsyncIterable<SwfRecord>;
  /** Stop reading and release the file (needed only when `records` is not iterated to the end). */
  close(): void;
}

/** Open `path`, read its header, and return it with a stream of its records. */
export async function openSwf(path: string): Promise<SwfFile> {
  const { lines, close } = await openLines(path);
  const it = lines[Symbol.asyncIterator]();
  const b = new HeaderBuilder(path);
  let lineNo = 0;
  let first: { text: string; line: number } | undefined;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done === true) break;
      lineNo++;
      const text = r.value;
      // Binary bytes before the first job (a file compressed other than with gzip, or not a log)
      // would be reported as a header without MaxProcs or a "truncated" first line: say what it is.
      if (hasControl(text)) throw new TraceFormatError('binary data, not SWF text (compressed? the reader decompresses gzip only)', { file: path, line: lineNo });
      if (text.trimStart().startsWith(';')) {
        b.add(text, lineNo);
        continue;
      }
      if (text.trim() === '') continue;
      first = { text, line: lineNo };
      break;
    }
  } catch (e) {
    close();
    throw e instanceof TraceFormatError ? e : wrapReadError(path, e, lineNo + 1);
  }
  const header = b.build();
  async function* records(): AsyncGenerator<SwfRecord> {
    let n = lineNo;
    try {
      if (first !== undefined) yield parseSwfLine(first.text, path, first.line);
      for (;;) {
        let r: IteratorResult<string>;
        try {
          r = await it.next();
        } catch (e) {
          throw wrapReadError(path, e, n + 1);
        }
        if (r.done === true) return;
        n++;
        const text = r.value;
        if (text.trim() === '') continue;
        if (text.trimStart().startsWith(';')) {
          b.late(text, n, first?.line ?? n);
          continue;
        }
        yield parseSwfLine(text, path, n);
      }
    } finally {
      close();
    }
  }
  return { header, records: records(), close };
}

/** Read only the header of `path` (stops at the first job line). */
export async function readSwfHeader(path: string): Promise<SwfHeader> {
  const f = await openSwf(path);
  f.close();
  return f.header;
}

/** Stream the records of `path` (header skipped; see `openSwf` to get both). */
export async function* readSwfRecords(path: string): AsyncGenerator<SwfRecord> {
  const f = await openSwf(path);
  yield* f.records;
}

/**
 * Counts and identifiers: a fraction there is a corrupt record, not data (times, CPU time and
 * memory may be fractional; the shared logs have fractional average CPU times).
 */
const INTEGER_FIELDS: ReadonlySet<SwfField> = new Set(['jobNumber', 'allocatedProcessors', 'requestedProcessors', 'status', 'userId', 'groupId', 'executableNumber', 'queueNumber', 'partitionNumber', 'precedingJobNumber']);
const IS_INTEGER = SWF_FIELDS.map((f) => INTEGER_FIELDS.has(f));

/**
 * The largest time an SWF field may hold, in seconds: over 300 years, and a Unix time until 2286
 * (some converted logs keep Unix submit times). A longer time is a corrupt record (`1e308`), and
 * past it the replay's sums and the slowdown overflow or lose whole seconds.
 */
export const SWF_MAX_SECONDS = MAX_TRACE_SECONDS;
const TIME_FIELDS: ReadonlySet<SwfField> = new Set(['submitTime', 'waitTime', 'runTime', 'averageCpuTime', 'requestedTime', 'thinkTime']);
/** Per field, the largest magnitude accepted: times SWF_MAX_SECONDS, the rest exact integers (memory KB too). */
export const SWF_MAX_ABS: readonly number[] = SWF_FIELDS.map((f) => (TIME_FIELDS.has(f) ? SWF_MAX_SECONDS : Number.MAX_SAFE_INTEGER));


/** Parse one job line: exactly 18 numbers; a short line reports the first missing field, a bad value its field. */
export function parseSwfLine(text: string, file: string, line: number): SwfRecord {
  const f = swfFieldsFast(text, SWF_FIELDS.length, IS_INTEGER, SWF_MAX_ABS) ?? swfFields(text, file, line);
  // One literal (keys in SWF_FIELDS order after `line`): one object shape for every record.
  return {
    line,
    jobNumber: f[0] as number,
    submitTime: f[1] as number,
    waitTime: f[2] as number,
    runTime: f[3] as number,
    allocatedProcessors: f[4] as number,
    averageCpuTime: f[5] as number,
    usedMemory: f[6] as number,
    requestedProcessors: f[7] as number,
    requestedTime: f[8] as number,
    requestedMemory: f[9] as number,
    status: f[10] as number,
    userId: f[11] as number,
    groupId: f[12] as number,
    executableNumber: f[13] as number,
    queueNumber: f[14] as number,
    partitionNumber: f[15] as number,
    precedingJobNumber: f[16] as number,
    thinkTime: f[17] as number,
  };
}

/** The full parse of a job line's fields (`swfFieldsFast` is its fast path): throws naming the first bad field. */
export function swfFields(text: string, file: string, line: number): number[] {
  const parts = text.trim().split(/\s+/);
  if (parts.length < SWF_FIELDS.length) {
    const missing = SWF_FIELDS[parts.length] as SwfField;
    throw new TraceFormatError(
      `truncated SWF line: expected ${SWF_FIELDS.length} fields, found ${parts.length}; field ${parts.length + 1} (${missing}) is missing`,
      { file, line, field: missing },
    );
  }
  if (parts.length > SWF_FIELDS.length) {
    throw new TraceFormatError(`SWF line has ${parts.length} fields, expected ${SWF_FIELDS.length}`, { file, line, field: `field ${SWF_FIELDS.length + 1}` });
  }
  const f: number[] = [];
  for (let i = 0; i < SWF_FIELDS.length; i++) {
    const raw = parts[i] as string;
    const v = Number(raw);
    if (!isDecimal(raw) || !Number.isFinite(v)) {
      throw new TraceFormatError(`field ${i + 1} (${SWF_FIELDS[i]}) is '${raw}', expected a number (-1 when unknown)`, { file, line, field: SWF_FIELDS[i] as SwfField });
    }
    if (IS_INTEGER[i] === true && !Number.isInteger(v)) {
      throw new TraceFormatError(`field ${i + 1} (${SWF_FIELDS[i]}) is '${raw}', expected a whole number (-1 when unknown)`, { file, line, field: SWF_FIELDS[i] as SwfField });
    }
    const max = SWF_MAX_ABS[i] as number;
    if (Math.abs(v) > max) {
      const what = TIME_FIELDS.has(SWF_FIELDS[i] as SwfField) ? `a time of at most ${max.toExponential().replace('e+', 'e')} s (over 300 years)` : `a ${IS_INTEGER[i] === true ? 'whole number' : 'number'} between ${-max} and ${max} (beyond, it would be rounded)`;
      throw new TraceFormatError(`field ${i + 1} (${SWF_FIELDS[i]}) is '${raw}', expected ${what}; -1 when unknown`, { file, line, field: SWF_FIELDS[i] as SwfField });
    }
    f.push(v);
  }
  return f;
}

// ---- internals -------------------------------------------------------------------------------

/** Whether `text` holds a control character no text log has (tab, line ends, vertical tab and form feed aside). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 9 || (c > 13 && c < 27)) return true;
  }
  return false;
}


/**
 * The header comments the reader turns into numbers (`SwfHeader`), with what the standard says
 * they hold. The others (TimeZoneString, StartTime, Queues, ...) are kept as text in `fields`.
 */
const NUMERIC_HEADERS: Readonly<Record<string, { readonly min: number; readonly expected: string }>> = {
  MaxProcs: { min: 1, expected: 'a positive whole number of processors' },
  MaxNodes: { min: 1, expected: 'a positive whole number of nodes' },
  UnixStartTime: { min: 0, expected: 'a whole number of seconds since 1970-01-01 00:00 UTC' },
};

class HeaderBuilder {
  private readonly lines: string[] = [];
  private readonly fields = new Map<string, string[]>();
  private readonly numbers = new Map<string, { value: number; line: number }>();

  constructor(private readonly file: string) {}

  add(text: string, line: number): void {
    const body = text.trimStart().slice(1).trimEnd();
    this.lines.push(body);
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*:\s*(.*)$/.exec(body);
    if (m === null) return;
    const key = m[1] as string;
    const value = (m[2] as string).trim();
    const list = this.fields.get(key);
    if (list === undefined) this.fields.set(key, [value]);
    else list.push(value);
    const rule = NUMERIC_HEADERS[key];
    if (rule === undefined) return;
    // The header comments are all optional, and -1 is the format's "unknown": absent, blank or -1
    // gives no value. Anything else must be the whole number the standard defines (a note after
    // it, separated by a space, is kept in `fields` and ignored here); never read silently as absent.
    const first = value.split(/\s+/)[0] as string;
    if (first === '' || first === '-1') return;
    const v = /^[0-9]+$/.test(first) ? Number(first) : NaN;
    if (!Number.isSafeInteger(v) || v < rule.min) {
      throw new TraceFormatError(`header '${key}' is '${value}', expected ${rule.expected} (-1 or no value when unknown)`, { file: this.file, line, field: key });
    }
    const seen = this.numbers.get(key);
    if (seen !== undefined && seen.value !== v) {
      throw new TraceFormatError(`header '${key}' is ${v} here but ${seen.value} at line ${seen.line}: which one is the log's?`, { file: this.file, line, field: key });
    }
    if (seen === undefined) this.numbers.set(key, { value: v, line });
  }

  /**
   * A comment after the first job (line `firstJob`): a comment, unless it gives one of the
   * numeric headers. Those are read before the first job (the machine size decides the replay
   * from its first job on), so a later one must repeat the value given there; a later one that
   * changes it, or gives it for the first time, is an error (it was skipped silently, and a log
   * whose MaxProcs grew half-way was replayed on the smaller machine).
   */
  late(text: string, line: number, firstJob: number): void {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*:\s*(.*)$/.exec(text.trimStart().slice(1).trimEnd());
    if (m === null || NUMERIC_HEADERS[m[1] as string] === undefined) return;
    const key = m[1] as string;
    const first = (m[2] as string).trim().split(/\s+/)[0] as string;
    if (first === '' || first === '-1') return;
    const seen = this.numbers.get(key);
    const v = /^[0-9]+$/.test(first) ? Number(first) : NaN;
    if (seen !== undefined && seen.value === v) return;
    const before = seen === undefined ? `the header before it gives no ${key}` : `the header before it gives ${seen.value} (line ${seen.line})`;
    throw new TraceFormatError(
      `header '${key}: ${first}' comes after the first job (line ${firstJob}) and ${before}: the log is read with the header above its first job; move the line there (or remove it) so that the whole log has one ${key}`,
      { file: this.file, line, field: key },
    );
  }

  build(): SwfHeader {
    const ack = this.fields.get('Acknowledge')?.[0];
    const maxProcs = this.numbers.get('MaxProcs')?.value;
    const maxNodes = this.numbers.get('MaxNodes')?.value;
    const start = this.numbers.get('UnixStartTime')?.value;
    return {
      file: this.file,
      lines: this.lines,
      fields: this.fields,
      ...(maxProcs === undefined ? {} : { maxProcs }),
      ...(maxNodes === undefined ? {} : { maxNodes }),
      ...(ack === undefined ? {} : { acknowledge: ack }),
      ...(start === undefined ? {} : { unixStartTime: start }),
    };
  }
}

async function openLines(path: string): Promise<{ lines: AsyncIterable<string>; close: () => void }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'SWF file not found' : `cannot open SWF file: ${(e as Error).message}`, { file: path });
  }
  const magic = Buffer.alloc(MAGIC_BYTES);
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(magic, 0, magic.length, 0));
  } catch (e) {
    await handle.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'EISDIR' ? 'is a folder, not an SWF file' : `cannot read SWF file: ${(e as Error).message}`, { file: path });
  }
  const compression = compressionOf(magic.subarray(0, bytesRead));
  const gz = compression === 'gzip';
  if (compression !== undefined && !gz) {
    await handle.close();
    throw new TraceFormatError(`the file is compressed with ${compression}, and the SWF reader decompresses gzip only: ${decompressHint(compression)} (or gzip it)`, { file: path, line: 1 });
  }
  const raw = handle.createReadStream({ start: 0 });
  let input: Readable = raw;
  if (gz) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    input = raw.pipe(gunzip);
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  const close = (): void => {
    rl.close();
    input.destroy();
    raw.destroy();
  };
  return { lines: rl, close };
}

function wrapReadError(file: string, e: unknown, line: number): Error {
  if (e instanceof UserError) return e;
  const trailing = gzipTrailingBytes(e, file);
  if (trailing !== undefined) return trailing;
  const msg = (e as Error).message;
  return new TraceFormatError(`cannot read the file (${msg}): corrupt or truncated gzip?`, { file, line });
}
