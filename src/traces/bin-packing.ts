/**
 * Readers for bin-packing files. Every bad record throws a `TraceFormatError` naming the file,
 * the 1-based line and the field.
 *
 * - `orlib`: J. E. Beasley's OR-Library `binpack1..8.txt`. Line 1: the number of instances P.
 *   Then per instance: a line with its name, a line `capacity n bestKnown`, and n lines with one
 *   item size each. Sizes may be decimal (the triplet sets use one decimal place).
 * - `bpplib`: BPPLIB's one-instance `.txt`, in either of the two forms BPPLIB distributes. The BPP
 *   form: line 1 the item count n, line 2 the capacity, then n lines with one item size each. The
 *   CSP (cutting-stock) form: line 1 the number of item types m, line 2 the capacity, then m lines
 *   `size demand` (demand: how many items of that size, a whole number ≥ 1). The first item line says
 *   which form the file is in; every later one must be in the same form.
 * - `vector` (DRS's multi-dimensional format; `#` starts a comment, blank lines are ignored):
 *       # d C_1 ... C_d
 *       2 100 80
 *       # then one item per line: w_1 ... w_d
 *       40 20
 *       10 70
 *   The name of a `bpplib` or `vector` instance is the file name without its extension (and `.gz`).
 *
 * A gzip-compressed file is read decompressed, whatever its name (detected from its first bytes,
 * as the SWF reader does); another compression (a zip archive) or other binary data is refused as such.
 *
 * A number may carry a power of ten (`1e2` is 100; the exponent at most ±30), read exactly.
 * Decimal sizes are scaled by 10^p per dimension, p being the most decimal places seen in that
 * dimension (at most 6), so the instance holds exact integers (`scale` records the factor). A
 * scaled capacity above 2^52 is refused (see `MAX_SCALED_CAPACITY`).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compressionOf, decompressHint, MAGIC_BYTES } from '../core/compression.js';
import { isBinaryText } from '../core/csv-text.js';
import { TraceFormatError, UserError } from '../core/errors.js';
import { gzipTrailingBytes } from './gzip-trailing.js';
import type { PackingInstance } from '../packing/instance.js';
import { makeInstance } from '../packing/instance.js';

export type PackingFormat = 'orlib' | 'bpplib' | 'vector';
export const PACKING_FORMATS: readonly PackingFormat[] = ['orlib', 'bpplib', 'vector'];

const MAX_DECIMALS = 6;
/** A non-negative decimal, with an optional power of ten (`1e2` is 100, `2.5E-1` is 0.25). */
const DECIMAL = /^\+?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** An exponent beyond this gives a size no instance can hold (or too many decimal places): refused as written. */
const MAX_EXPONENT = 30;

/** A line ends in LF, CRLF or a lone CR (old Mac files), as the SWF and CSV readers take them. */
const LINE_END = /\r\n|\r|\n/;

interface Token {
  readonly text: string;
  readonly line: number;
}

/** A number as written: its digits and decimal places, for exact scaling. */
interface Decimal {
  readonly intPart: string;
  readonly frac: string;
  readonly line: number;
}

class Source {
  constructor(readonly file: string) {}

  fail(message: string, line: number, field: string): never {
    throw new TraceFormatError(message, { file: this.file, line, field });
  }

  decimal(tok: Token | undefined, field: string, lastLine: number): Decimal {
    if (tok === undefined) this.fail(`expected ${field}, found end of file`, lastLine, field);
    const m = DECIMAL.exec(tok.text);
    if (m === null) this.fail(`expected ${field} as a non-negative decimal number (such as 42, 0.5 or 1e2), found '${tok.text}'`, tok.line, field);
    let intPart = m[1] ?? '0';
    let frac = m[2] ?? '';
    if (m[3] !== undefined) {
      // Move the decimal point in the written digits (exact, unlike Number): 1.5e1 is 15, 1e-1 is 0.1.
      const exp = Number(m[3]);
      if (Math.abs(exp) > MAX_EXPONENT) this.fail(`${field} '${tok.text}' is out of range: the power of ten must be between -${MAX_EXPONENT} and ${MAX_EXPONENT}`, tok.line, field);
      const digits = intPart + frac;
      const point = intPart.length + exp;
      intPart = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0');
      frac = (point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(0, point))).replace(/0+$/, '');
    }
    if (frac.length > MAX_DECIMALS) this.fail(`${field} '${tok.text}' has more than ${MAX_DECIMALS} decimal places`, tok.line, field);
    return { intPart, frac, line: tok.line };
  }

  count(tok: Token | undefined, field: string, lastLine: number): number {
    const d = this.decimal(tok, field, lastLine);
    const v = Number(d.intPart);
    if (d.frac.replace(/0+$/, '') !== '') this.fail(`${field} must be a whole number, found '${tok?.text}'`, d.line, field);
    // '1e30' is a whole number, just not an exact one: say so rather than "must be a whole number".
    if (!Number.isSafeInteger(v)) this.fail(`${field} '${tok?.text}' is too large: at most ${Number.MAX_SAFE_INTEGER}`, d.line, field);
    return v;
  }
}

/**
 * Largest scaled capacity: with every load and size at most 2^52, a bin's load plus one item is at
 * most 2^53 and still an exact integer, so every fit test is exact.
 */
export const MAX_SCALED_CAPACITY = 2 ** 52;

function written(d: Decimal): string {
  return d.frac === '' ? d.intPart : `${d.intPart}.${d.frac}`;
}

/** Scales a dimension's values to integers; the capacity sets the error for oversize items. */
function scaleDimension(src: Source, capacity: Decimal, items: readonly Decimal[], dim: string): { cap: number; sizes: number[]; scale: number } {
  const places = Math.max(capacity.frac.length, ...items.map((d) => d.frac.length));
  const toInt = (d: Decimal): number => Number(d.intPart + d.frac.padEnd(places, '0'));
  const cap = toInt(capacity);
  if (!(cap > 0)) src.fail(`capacity${dim} must be positive`, capacity.line, `capacity${dim}`);
  if (cap > MAX_SCALED_CAPACITY) {
    const i = items.findIndex((d) => d.frac.length === places);
    const why =
      places === 0 ? '' : ` once scaled by 10^${places} to make whole numbers of the ${places} decimal places of ${capacity.frac.length === places ? 'the capacity' : `items[${i}]${dim} (line ${items[i]?.line})`}`;
    src.fail(
      `capacity ${written(capacity)} is too large${why}: DRS packs exactly only up to 2^52 = ${MAX_SCALED_CAPACITY} units per bin; use fewer decimal places or a larger unit (divide the capacity and every size by the same factor)`,
      capacity.line,
      `capacity${dim}`,
    );
  }
  const sizes = items.map((d, i) => {
    const w = toInt(d);
    const field = `items[${i}]${dim}`;
    if (!Number.isSafeInteger(w)) src.fail(`size is too large`, d.line, field);
    if (w > cap) src.fail(`item size ${written(d)} exceeds the capacity`, d.line, field);
    return w;
  });
  return { cap, sizes, scale: 10 ** places };
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  text.split(LINE_END).forEach((raw, idx) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    for (const t of line.split(/\s+/)) out.push({ text: t, line: idx + 1 });
  });
  return out;
}

function lastLineOf(text: string): number {
  return text.split(LINE_END).length;
}

export function parseOrLibrary(text: string, file: string): PackingInstance[] {
  const src: Source = new Source(file);
  const toks = tokens(text);
  const last = lastLineOf(text);
  let at = 0;
  // The format has one value per line, except the `capacity n bestKnown` header: a line with
  // more values is refused at that line, not read on as the next item (or blamed lines later).
  const perLine = new Map<number, number>();
  for (const t of toks) perLine.set(t.line, (perLine.get(t.line) ?? 0) + 1);
  const count = src.count(toks[at], 'instance count', last);
  if (count === 0) src.fail('the file declares 0 instances; an OR-Library file starts with the number of instances that follow (at least 1)', toks[at]?.line ?? last, 'instance count');
  at++;
  const instances: PackingInstance[] = [];
  const seen = new Map<string, number>();
  for (let p = 0; p < count; p++) {
    const nameTok = toks[at++];
    if (nameTok === undefined) src.fail(`file declares ${count} instances, found ${p}`, last, 'instance name');
    if (DECIMAL.test(nameTok.text)) src.fail(`expected the name of instance ${p + 1}, found the number '${nameTok.text}'`, nameTok.line, 'instance name');
    const name = nameTok.text;
    // Names are how `--instance`, the JSON and the optima table tell instances apart: a repeat would
    // be picked twice by `--instance` and reported under one name.
    const firstLine = seen.get(name);
    if (firstLine !== undefined) src.fail(`instance name '${name}' is already used by the instance on line ${firstLine}; every instance needs its own name`, nameTok.line, 'instance name');
    seen.set(name, nameTok.line);
    const headerLine = toks[at]?.line ?? last;
    const header = toks.slice(at, at + 3);
    const split = header.find((t) => t.line !== headerLine);
    if (split !== undefined || header.length < 3 || perLine.get(headerLine) !== 3) {
      src.fail(`instance ${name}: expected 'capacity itemCount bestKnown' on one line${(perLine.get(headerLine) ?? 0) > 3 ? `, found ${perLine.get(headerLine)} values` : ''}`, headerLine, 'header');
    }
    const capacity = src.decimal(toks[at++], 'capacity', last);
    const n = src.count(toks[at++], 'item count', last);
    const best = src.count(toks[at++], 'best known bins', last);
    const items: Decimal[] = [];
    for (let i = 0; i < n; i++) {
      const tok = toks[at];
      if (tok === undefined || !DECIMAL.test(tok.text)) {
        src.fail(`instance ${name} declares ${n} items, found ${i}${tok === undefined ? '' : ` before '${tok.text}', which is not an item size (a decimal number ≥ 0, such as 42, 0.5 or 1e2)`}`, tok?.line ?? last, `items[${i}]`);
      }
      if (perLine.get(tok.line) !== 1) src.fail(`instance ${name}: expected one item size per line, found ${perLine.get(tok.line)} values`, tok.line, `items[${i}]`);
      items.push(src.decimal(toks[at++], `items[${i}]`, last));
    }
    const { cap, sizes, scale } = scaleDimension(src, capacity, items, '');
    instances.push(makeInstance(name, [cap], sizes.map((w) => [w]), { scale: [scale], source: { file, line: nameTok.line }, bestKnown: best }));
  }
  const extra = toks[at];
  if (extra !== undefined) src.fail(`unexpected '${extra.text}' after the ${count} declared instances`, extra.line, 'end of file');
  return instances;
}

/** Non-empty, non-comment lines with their 1-based numbers. */
function recordLines(text: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  text.split(LINE_END).forEach((raw, idx) => {
    const body = raw.replace(/#.*/, '').trim();
    if (body !== '') out.push({ line: idx + 1, fields: body.split(/\s+/) });
  });
  return out;
}

function instanceName(file: string): string {
  const name = basename(file).replace(/\.gz$/i, '');
  return basename(name, extname(name));
}

/** The most items a CSP-form file may expand to (its demands summed). */
const MAX_CSP_ITEMS = 1_000_000;

export function parseBppLib(text: string, file: string): PackingInstance {
  const src: Source = new Source(file);
  const lines = recordLines(text);
  const last = lastLineOf(text);
  const one = (idx: number, field: string): Token | undefined => {
    const l = lines[idx];
    if (l === undefined) return undefined;
    if (l.fields.length !== 1) src.fail(`expected one value (${field}) on this line, found ${l.fields.length}`, l.line, field);
    return { text: l.fields[0] ?? '', line: l.line };
  };
  const csp = (lines[2]?.fields.length ?? 0) === 2;
  const n = src.count(one(0, csp ? 'item type count' : 'item count'), csp ? 'item type count' : 'item count', last);
  const capacity = src.decimal(one(1, 'capacity'), 'capacity', last);
  const items: Decimal[] = [];
  for (let i = 0; i < n; i++) {
    if (csp) {
      const l = lines[2 + i];
      if (l === undefined) src.fail(`file declares ${n} item types, found ${i}`, last, `types[${i}]`);
      if (l.fields.length !== 2) src.fail(`expected 'size demand' on this line, as on line ${lines[2]?.line} (the CSP form), found ${l.fields.length} value(s)`, l.line, `types[${i}]`);
      const size = src.decimal({ text: l.fields[0] ?? '', line: l.line }, `types[${i}].size`, last);
      const demand = src.count({ text: l.fields[1] ?? '', line: l.line }, `types[${i}].demand`, last);
      if (demand < 1) src.fail(`demand must be at least 1, found ${demand}`, l.line, `types[${i}].demand`);
      if (items.length + demand > MAX_CSP_ITEMS) src.fail(`the demands add up to more than ${MAX_CSP_ITEMS.toLocaleString('en-US')} items`, l.line, `types[${i}].demand`);
      for (let k = 0; k < demand; k++) items.push(size);
    } else {
      const tok = one(2 + i, `items[${i}]`);
      if (tok === undefined) src.fail(`file declares ${n} items, found ${i}`, last, `items[${i}]`);
      items.push(src.decimal(tok, `items[${i}]`, last));
    }
  }
  const extra = lines[2 + n];
  if (extra !== undefined) src.fail(`file declares ${n} ${csp ? 'item types' : 'items'} but has more lines`, extra.line, csp ? `types[${n}]` : `items[${n}]`);
  const { cap, sizes, scale } = scaleDimension(src, capacity, items, '');
  return makeInstance(instanceName(file), [cap], sizes.map((w) => [w]), { scale: [scale], source: { file, line: lines[0]?.line ?? 1 } });
}

export function parseVector(text: string, file: string): PackingInstance {
  const src: Source = new Source(file);
  const lines = recordLines(text);
  const last = lastLineOf(text);
  const head = lines[0];
  if (head === undefined) src.fail('empty file: expected the header line `d C_1 ... C_d`', last, 'header');
  const d = src.count({ text: head.fields[0] ?? '', line: head.line }, 'dimension count', last);
  if (d < 1) src.fail('dimension count must be at least 1', head.line, 'dimension count');
  if (head.fields.length !== d + 1) src.fail(`header declares ${d} dimensions, so it needs ${d} capacities; found ${head.fields.length - 1}`, head.line, 'capacity');
  const caps = head.fields.slice(1).map((t, k) => src.decimal({ text: t, line: head.line }, `capacity[${k}]`, last));
  const items: Decimal[][] = lines.slice(1).map((l, i) => {
    if (l.fields.length !== d) src.fail(`item needs ${d} sizes, found ${l.fields.length}`, l.line, `items[${i}]`);
    return l.fields.map((t, k) => src.decimal({ text: t, line: l.line }, `items[${i}][${k}]`, last));
  });
  const perDim = caps.map((c, k) => scaleDimension(src, c, items.map((it) => it[k] as Decimal), `[${k}]`));
  const vectors = items.map((_, i) => perDim.map((p) => p.sizes[i] ?? 0));
  return makeInstance(instanceName(file), perDim.map((p) => p.cap), vectors, {
    scale: perDim.map((p) => p.scale),
    source: { file, line: head.line },
  });
}

/**
 * Guesses the format from the content: a first record with two or more fields is `vector`; a
 * second record that is a lone number is `bpplib`; otherwise `orlib` (its second line is a name).
 */
export function detectFormat(text: string): PackingFormat {
  const lines = recordLines(text);
  if ((lines[0]?.fields.length ?? 0) >= 2) return 'vector';
  const second = lines[1]?.fields;
  if (second !== undefined && second.length === 1 && DECIMAL.test(second[0] ?? '')) return 'bpplib';
  return 'orlib';
}

export function parsePacking(text: string, file: string, format: PackingFormat = detectFormat(text)): PackingInstance[] {
  switch (format) {
    case 'orlib':
      return parseOrLibrary(text, file);
    case 'bpplib':
      return [parseBppLib(text, file)];
    case 'vector':
      return [parseVector(text, file)];
  }
}

export async function readPackingFile(path: string, format?: PackingFormat): Promise<PackingInstance[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    // As a missing scenario or trace is worded: 'ENOENT' alone told a first-time user nothing.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('bin-packing file not found', { file: path });
    if (code === 'EISDIR') throw new UserError('is a folder, not a bin-packing file', { file: path });
    throw new TraceFormatError(`cannot read bin-packing file: ${code ?? String(e)}`, { file: path });
  }
  return parsePacking(packingText(bytes, path), path, format);
}

/**
 * The text of a bin-packing file: gunzipped when its first bytes are gzip's, whatever its name.
 * Binary data (a zip archive, a corrupt file) is an error saying so, not its bytes quoted as the
 * first value the parser met.
 */
export function packingText(bytes: Buffer, file: string): string {
  let data = bytes;
  const compression = compressionOf(bytes.subarray(0, MAGIC_BYTES));
  if (compression !== undefined && compression !== 'gzip') {
    throw new TraceFormatError(`the file is compressed with ${compression}, and bin-packing files are read plain or gzip-compressed: ${decompressHint(compression)}${compression === 'zip' ? ' and give one of its files' : ''}`, { file, line: 1 });
  }
  if (compression === 'gzip') {
    try {
      data = gunzipSync(bytes);
    } catch (e) {
      throw gzipTrailingBytes(e, file) ?? new TraceFormatError(`corrupt or truncated gzip data (${(e as Error).message})`, { file });
    }
  }
  const text = data.toString('utf8');
  if (isBinaryText(text)) throw new TraceFormatError('binary data, not a bin-packing text file', { file, line: 1 });
  return text;
}
