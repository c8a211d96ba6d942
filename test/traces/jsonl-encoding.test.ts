import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { jsonlRecords } from '../../src/traces/jsonl-rows.js';
import { fixtureBytes, rejection } from './helpers.js';

/*
 * JSON Lines files that are not UTF-8 text. A UTF-16 file (PowerShell's `>` writes one) failed as
 * "not a JSON object (Unexpected token '�', "��{\0"\0t\0…" …): this looks like another format:
 * for a CSV file with a header, set 'format: csv'", NUL bytes and all, and wrong advice; the CSV
 * readers name UTF-16 and say how to convert it. Binary data got the same noise.
 */

async function readAll(file: string): Promise<void> {
  for await (const _ of jsonlRecords(file)) void _;
}

const LINE = '{"timestamp":0,"input_length":1,"output_length":1}\n';

describe('jsonl: text that is not UTF-8', () => {
  it('UTF-16 with a byte-order mark, either endianness, is named at line 1', async () => {
    const le = fixtureBytes('u16le.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LINE, 'utf16le')]));
    const e = await rejection(readAll(le));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${le}:1: the file is UTF-16 text (little-endian), JSON Lines files are read as UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 converts it)`);
    const be = fixtureBytes('u16be.jsonl', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(LINE, 'utf16le').swap16()]));
    expect((await rejection(readAll(be))).message).toContain(`${be}:1: the file is UTF-16 text (big-endian)`);
  });

  it('UTF-16 without a byte-order mark is known by its NUL bytes', async () => {
    const f = fixtureBytes('u16-nobom.jsonl', Buffer.from(LINE, 'utf16le'));
    expect((await rejection(readAll(f))).message).toContain(`${f}:1: the file is UTF-16 text (little-endian)`);
  });

  it('binary bytes on a line are said as such, without quoting them', async () => {
    const f = fixtureBytes('binary.jsonl', Buffer.concat([Buffer.from(LINE), Buffer.from([0x7b, 0x01, 0x02, 0x00, 0xff, 0x10, 0x0a])]));
    const e = await rejection(readAll(f));
    expect(e.message).toBe(`${f}:2: binary data, not JSON Lines text`);
  });

  it('a line with a stray character is still reported by the JSON parser', async () => {
    const f = fixtureBytes('stray.jsonl', Buffer.from(`${LINE}{"a":1}x\n`));
    expect((await rejection(readAll(f))).message).toMatch(/stray\.jsonl:2: not a JSON object \(Unexpected non-whitespace character/);
  });
});
