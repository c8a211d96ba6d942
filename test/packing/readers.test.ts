import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { detectFormat, parseBppLib, parseOrLibrary, parsePacking, parseVector, readPackingFile } from '../../src/traces/bin-packing.js';

const ORLIB = `2
 tiny_a 
 10 3 2
6
4
5
 tiny_b 
 100.0 2 1
36.6
63.4
`;

function located(fn: () => unknown): TraceFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TraceFormatError) return e;
    throw e;
  }
  throw new Error('expected a TraceFormatError');
}

describe('OR-Library reader', () => {
  it('reads several instances, scaling decimal sizes to integers', () => {
    const [a, b] = parseOrLibrary(ORLIB, 'x.txt');
    expect(a).toMatchObject({ name: 'tiny_a', dims: 1, capacity: [10], n: 3, sizes: [6, 4, 5], scale: [1], bestKnown: 2 });
    expect(a?.source).toEqual({ file: 'x.txt', line: 2 });
    expect(b).toMatchObject({ name: 'tiny_b', capacity: [1000], sizes: [366, 634], scale: [10] });
  });

  it('names the line and field of a non-numeric size', () => {
    const e = located(() => parseOrLibrary(ORLIB.replace('\n4\n', '\nfour\n'), 'x.txt'));
    expect(e.location).toEqual({ file: 'x.txt', line: 5, field: 'items[1]' });
    expect(e.message).toMatch(/x\.txt:5.*declares 3 items, found 1 before 'four', which is not an item size/);
  });

  it('reports an item larger than the capacity at its line', () => {
    const e = located(() => parseOrLibrary(ORLIB.replace('\n5\n', '\n11\n'), 'x.txt'));
    expect(e.location).toMatchObject({ line: 6, field: 'items[2]' });
    expect(e.message).toMatch(/exceeds the capacity/);
  });

  it('reports a header with a missing value', () => {
    const e = located(() => parseOrLibrary(ORLIB.replace(' 10 3 2', ' 10 3'), 'x.txt'));
    expect(e.location).toMatchObject({ line: 3, field: 'header' });
  });

  it('refuses two sizes on one item line, or a fourth value on the header line, at that line', () => {
    // '6 4' was read as two items (and the instance's last size as the next name or trailing garbage).
    const two = located(() => parseOrLibrary(ORLIB.replace('\n6\n4\n', '\n6 4\n'), 'x.txt'));
    expect(two.location).toEqual({ file: 'x.txt', line: 4, field: 'items[0]' });
    expect(two.message).toMatch(/one item size per line, found 2 values/);
    const header = located(() => parseOrLibrary(ORLIB.replace(' 10 3 2', ' 10 3 2 6'), 'x.txt'));
    expect(header.location).toEqual({ file: 'x.txt', line: 3, field: 'header' });
    expect(header.message).toMatch(/found 4 values/);
  });

  it('reports a missing instance and trailing garbage', () => {
    expect(located(() => parseOrLibrary(ORLIB.replace(/^2/, '3'), 'x.txt')).message).toMatch(/declares 3 instances, found 2/);
    expect(located(() => parseOrLibrary(`${ORLIB}42\n`, 'x.txt')).location).toMatchObject({ line: 11, field: 'end of file' });
  });

  it('refuses a file that declares no instances, naming its first line', () => {
    const e = located(() => parseOrLibrary('0\n', 'zero.txt'));
    expect(e.location).toEqual({ file: 'zero.txt', line: 1, field: 'instance count' });
    expect(e.message).toBe(
      "zero.txt:1, field 'instance count': the file declares 0 instances; an OR-Library file starts with the number of instances that follow (at least 1)",
    );
  });

  it('refuses a second instance of the same name at its name line, naming the first (--instance would pick both)', () => {
    const e = located(() => parseOrLibrary(ORLIB.replace(' tiny_b ', 'tiny_a'), 'x.txt'));
    expect(e.location).toEqual({ file: 'x.txt', line: 7, field: 'instance name' });
    expect(e.message).toMatch(/instance name 'tiny_a' is already used by the instance on line 2/);
  });

  it('rejects more than six decimal places', () => {
    expect(located(() => parseOrLibrary(ORLIB.replace('36.6', '36.6000001'), 'x.txt')).message).toMatch(/more than 6 decimal places/);
  });
});

describe('BPPLIB reader', () => {
  it('reads count, capacity and one size per line', () => {
    const inst = parseBppLib('3\n10\n7\n2\n5\n', 'dir/N1C1W1_A.txt');
    expect(inst).toMatchObject({ name: 'N1C1W1_A', capacity: [10], sizes: [7, 2, 5] });
  });

  it('reports too few and too many sizes, and two values on a line', () => {
    expect(located(() => parseBppLib('3\n10\n7\n2\n', 'b.txt')).message).toMatch(/declares 3 items, found 2/);
    expect(located(() => parseBppLib('2\n10\n7\n2\n5\n', 'b.txt')).location).toMatchObject({ line: 5, field: 'items[2]' });
    // (Two values on the first item line make it the CSP form: see below.)
    expect(located(() => parseBppLib('2\n10\n7\n2 1\n', 'b.txt')).location).toMatchObject({ line: 4, field: 'items[1]' });
  });
});

describe('numbers with a power of ten', () => {
  it('reads 1e2, 1.5E+1 and 25e-1 exactly, in every format and field', () => {
    expect(parseBppLib('3\n1.5e2\n1e2\n25e-1\n3E1\n', 'e.txt')).toMatchObject({ capacity: [1500], sizes: [1000, 25, 300], scale: [10] });
    expect(parseOrLibrary('1\nu\n1e2 2e0 1\n1.5E+1\n2e1\n', 'e.txt')[0]).toMatchObject({ capacity: [100], sizes: [15, 20], scale: [1], bestKnown: 1 });
    expect(parseVector('2 1e2 8\n4e1 2\n', 'e.vbp')).toMatchObject({ capacity: [100, 8], sizes: [40, 2] });
    expect(detectFormat('2\n1e2\n1\n1\n')).toBe('bpplib');
  });

  it('refuses an exponent past ±30, too many decimal places and a fractional count, at their field', () => {
    const big = located(() => parseBppLib('1\n1e308\n1\n', 'e.txt'));
    expect(big.location).toMatchObject({ line: 2, field: 'capacity' });
    expect(big.detail).toBe("capacity '1e308' is out of range: the power of ten must be between -30 and 30");
    expect(located(() => parseBppLib('1\n1e30\n1\n', 'e.txt')).detail).toMatch(/^capacity 1000000000000000000000000000000 is too large/);
    expect(located(() => parseBppLib('1\n10\n1e-7\n', 'e.txt')).detail).toBe("items[0] '1e-7' has more than 6 decimal places");
    expect(located(() => parseBppLib('1.5e0\n10\n1\n', 'e.txt')).location).toMatchObject({ line: 1, field: 'item count' });
    expect(located(() => parseBppLib('1\n10\n1e\n', 'e.txt')).detail).toBe("expected items[0] as a non-negative decimal number (such as 42, 0.5 or 1e2), found '1e'");
  });
});

describe("BPPLIB's CSP form (item types with demands)", () => {
  it('expands `size demand` lines into the same items as the BPP form of the file', () => {
    const csp = parseBppLib('3\n100\n40 2\n30 3\n20.5 1\n', 'Falkenauer_t60_00.txt');
    const bpp = parseBppLib('6\n100\n40\n40\n30\n30\n30\n20.5\n', 'Falkenauer_t60_00.txt');
    expect(csp).toMatchObject({ name: 'Falkenauer_t60_00', n: 6, capacity: [1000], sizes: [400, 400, 300, 300, 300, 205], scale: [10] });
    expect(csp.sizes).toEqual(bpp.sizes);
    expect(detectFormat('3\n100\n40 2\n30 3\n20 1\n')).toBe('bpplib');
  });

  it('names the line and field of a form change, a demand below 1, a missing or an extra type', () => {
    expect(located(() => parseBppLib('3\n100\n40 2\n30\n20 1\n', 'c.txt'))).toMatchObject({
      location: { line: 4, field: 'types[1]' },
      detail: "expected 'size demand' on this line, as on line 3 (the CSP form), found 1 value(s)",
    });
    expect(located(() => parseBppLib('2\n100\n40 2\n30 0\n', 'c.txt'))).toMatchObject({ location: { line: 4, field: 'types[1].demand' }, detail: 'demand must be at least 1, found 0' });
    expect(located(() => parseBppLib('2\n100\n40 2.5\n30 1\n', 'c.txt')).location).toMatchObject({ line: 3, field: 'types[0].demand' });
    expect(located(() => parseBppLib('3\n100\n40 2\n30 1\n', 'c.txt')).detail).toBe('file declares 3 item types, found 2');
    expect(located(() => parseBppLib('1\n100\n40 2\n30 1\n', 'c.txt'))).toMatchObject({ location: { line: 4, field: 'types[1]' }, detail: 'file declares 1 item types but has more lines' });
    expect(located(() => parseBppLib('1\n100\n40 1000001\n', 'c.txt')).detail).toBe('the demands add up to more than 1,000,000 items');
  });
});

describe('capacity limit for exact arithmetic', () => {
  // 10000000000 with items of 6 decimal places is 10^16 units once scaled: past 2^53, where
  // 5000000000000001 + 5000000000000000 rounds to exactly 10^16 and two items that need two
  // bins would "fit" in one.
  it('refuses a capacity above 2^52 once scaled, naming the item that forced the scaling', () => {
    const e = located(() => parseBppLib('2\n10000000000\n5000000000.000001\n5000000000\n', 'prec.txt'));
    expect(e.location).toEqual({ file: 'prec.txt', line: 2, field: 'capacity' });
    expect(e.detail).toBe(
      'capacity 10000000000 is too large once scaled by 10^6 to make whole numbers of the 6 decimal places of items[0] (line 3): DRS packs exactly only up to 2^52 = 4503599627370496 units per bin; use fewer decimal places or a larger unit (divide the capacity and every size by the same factor)',
    );
  });

  it('accepts exactly 2^52 and refuses one more, in any dimension', () => {
    expect(parseBppLib('1\n4503599627370496\n4503599627370496\n', 'b.txt').capacity).toEqual([2 ** 52]);
    expect(located(() => parseBppLib('1\n4503599627370497\n1\n', 'b.txt')).detail).toMatch(/^capacity 4503599627370497 is too large: DRS packs exactly only up to 2\^52/);
    expect(located(() => parseVector('2 10 4503599627370496.5\n1 1\n', 'v.vbp')).location).toMatchObject({ line: 1, field: 'capacity[1]' });
  });
});

describe('vector reader', () => {
  const text = '# two resources\n2 100 8\n\n40 2   # an item\n60.5 6\n';

  it('reads d capacities and one vector per line, scaling each dimension on its own', () => {
    const inst = parseVector(text, 'jobs.vbp');
    expect(inst).toMatchObject({ name: 'jobs', dims: 2, capacity: [1000, 8], n: 2, sizes: [400, 2, 605, 6], scale: [10, 1] });
  });

  it('reports a wrong number of sizes and an oversize item with their lines', () => {
    expect(located(() => parseVector(text.replace('60.5 6', '60.5'), 'v.vbp')).location).toMatchObject({ line: 5, field: 'items[1]' });
    expect(located(() => parseVector(text.replace('40 2', '40 9'), 'v.vbp')).location).toMatchObject({ line: 4, field: 'items[0][1]' });
    expect(located(() => parseVector('2 100\n', 'v.vbp')).location).toMatchObject({ line: 1, field: 'capacity' });
  });
});

describe('format detection', () => {
  it('tells the three formats apart', () => {
    expect(detectFormat(ORLIB)).toBe('orlib');
    expect(detectFormat('3\n10\n7\n2\n5\n')).toBe('bpplib');
    expect(detectFormat('# c\n1 150\n20\n')).toBe('vector');
    expect(parsePacking('3\n10\n7\n2\n5\n', 'f.txt')[0]?.n).toBe(3);
  });
});

describe('line ends', () => {
  it('reads CRLF and lone-CR (old Mac) line ends as LF, in every format, with the same line numbers', () => {
    for (const eol of ['\r\n', '\r']) {
      expect(parseOrLibrary(ORLIB.replace(/\n/g, eol), 'x.txt').map((i) => [i.name, i.n, i.sizes.join(' ')])).toEqual([
        ['tiny_a', 3, '6 4 5'],
        ['tiny_b', 2, '366 634'],
      ]);
      // A lone CR was no line end: the whole file was one line, read as a vector header of 3 dimensions.
      expect(parsePacking('3\n10\n7\n2\n5\n'.replace(/\n/g, eol), 'f.txt')[0]).toMatchObject({ dims: 1, capacity: [10], sizes: [7, 2, 5] });
      expect(parsePacking('# c\n2 10 10\n6 1\n2 7\n'.replace(/\n/g, eol), 'v.txt')[0]).toMatchObject({ dims: 2, n: 2 });
      expect(located(() => parseOrLibrary(ORLIB.replace('\n4\n', '\nfour\n').replace(/\n/g, eol), 'x.txt')).location).toEqual({ file: 'x.txt', line: 5, field: 'items[1]' });
    }
  });
});

describe('compressed and binary files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drs-packfile-'));
  const text = '3\n10\n7\n2\n5\n';

  it('reads a gzip-compressed file as its text, whatever its name, naming the instance without .gz', async () => {
    writeFileSync(path.join(dir, 'inst.txt.gz'), gzipSync(text));
    writeFileSync(path.join(dir, 'plain-named.txt'), gzipSync(text));
    const [gz] = await readPackingFile(path.join(dir, 'inst.txt.gz'));
    expect(gz).toMatchObject({ name: 'inst', capacity: [10], n: 3, sizes: [7, 2, 5] });
    expect((await readPackingFile(path.join(dir, 'plain-named.txt')))[0]).toMatchObject({ name: 'plain-named', sizes: [7, 2, 5] });
  });

  it('says a zip archive or a truncated gzip file is one, without quoting its bytes', async () => {
    // A zip local-file header ("PK\x03\x04") and some binary bytes, as BPPLIB ships its instances.
    writeFileSync(path.join(dir, 'bpplib.zip'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x02]));
    const zip = await readPackingFile(path.join(dir, 'bpplib.zip')).catch((e: unknown) => e);
    expect(zip).toBeInstanceOf(TraceFormatError);
    expect((zip as TraceFormatError).message).toBe(`${path.join(dir, 'bpplib.zip')}:1: the file is compressed with zip, and bin-packing files are read plain or gzip-compressed: unzip it first and give one of its files`);
    writeFileSync(path.join(dir, 'cut.txt.gz'), gzipSync(text).subarray(0, 12));
    await expect(readPackingFile(path.join(dir, 'cut.txt.gz'))).rejects.toThrow(/cut\.txt\.gz: corrupt or truncated gzip data/);
  });
});
