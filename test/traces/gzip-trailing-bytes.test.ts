import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readPackingFile } from '../../src/traces/bin-packing.js';
import { readCsvRequests } from '../../src/traces/csv.js';
import { jsonlRecords } from '../../src/traces/jsonl-rows.js';
import { readSwfRecords } from '../../src/traces/swf.js';
import { collect, fixtureBytes, rejection } from './helpers.js';

/*
 * A gzip file whose compressed data is whole but followed by bytes that are not gzip (`gzip -t`:
 * "decompression OK, trailing garbage ignored"). The readers said "corrupt or truncated gzip data
 * after line 0" for a small file, at line 1, and line 99,611 of 100,001 for a large one: neither
 * truncated nor at that line. A truncated file keeps its message.
 */

const space = new ResourceSpace(['cpu']);
const CSV = 'id,t,d,c\na,0,10,1\nb,5,10,2\n';
const TRAILING = /: the compressed data is whole but followed by bytes that are not gzip \(trailing garbage, as gzip -t calls it\): remove them, e\.g\. gzip -dc FILE \| gzip > FIXED\.gz/;
const withGarbage = (text: string): Buffer => Buffer.concat([gzipSync(Buffer.from(text)), Buffer.from('<html>not found</html>\n')]);

describe('gzip data followed by other bytes', () => {
  it('csv: said as trailing bytes, not as corrupt or truncated data at a line', async () => {
    const f = fixtureBytes('trailing.csv.gz', withGarbage(CSV));
    const e = await rejection(collect(readCsvRequests(f, { space, columns: { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(TRAILING);
    expect(e.message.startsWith(`${f}: the compressed`)).toBe(true);
  });

  it('jsonl and swf: the same', async () => {
    const j = fixtureBytes('trailing.jsonl.gz', withGarbage('{"a":1}\n{"a":2}\n'));
    expect((await rejection((async () => { for await (const _ of jsonlRecords(j)) void _; })())).message).toMatch(TRAILING);
    const s = fixtureBytes('trailing.swf.gz', withGarbage('; MaxProcs: 8\n1 0 0 10 2 -1 -1 2 20 -1 1 1 1 1 1 -1 -1 -1\n'));
    expect((await rejection((async () => { for await (const _ of readSwfRecords(s)) void _; })())).message).toMatch(TRAILING);
  });

  it('a bin-packing file: the same', async () => {
    const f = fixtureBytes('trailing-pack.txt', withGarbage('2\n100\n20\n30\n'));
    expect((await rejection(readPackingFile(f))).message).toMatch(TRAILING);
  });

  it('a truncated file is still corrupt or truncated', async () => {
    const gz = gzipSync(Buffer.from(CSV));
    const f = fixtureBytes('cut.csv.gz', gz.subarray(0, gz.length - 10));
    const e = await rejection(collect(readCsvRequests(f, { space, columns: { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } } })));
    expect(e.message).toMatch(/corrupt or truncated gzip data after line \d+ \(unexpected end of file\)/);
  });
});
