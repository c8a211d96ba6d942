import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests } from '../../src/traces/csv.js';
import { parseNumberCell } from '../../src/traces/reading.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * Spreadsheet exports write numbers with thousands separators ("1,200", "1 200") or a decimal
 * comma ("1,5"). They are not read (a guess between 1200 and 1.2 would be silent), and the error
 * says what the cell looks like and how to write it, not only "is not a number".
 */

const cell = { file: 'jobs.csv', line: 2, field: 'dur' };
const HINT = "a thousands separator or a decimal comma? write digits only, with '.' as the decimal point (1200, 1.5)";

describe('number cells with separators', () => {
  it.each(['1,200', '1 200', '12,345,678', "1'200", '1_200', '1,5', '-3,25'])('%s: an error that names the separator', (raw) => {
    expect(() => parseNumberCell(raw, cell)).toThrow(`jobs.csv:2, field 'dur': '${raw}' is not a number (${HINT})`);
  });

  it.each(['abc', '1e', '0x10', '1,2x'])('%s: the plain error, no hint', (raw) => {
    expect(() => parseNumberCell(raw, cell)).toThrow(new RegExp(`'${raw}' is not a number$`));
  });

  it('through the csv reader, at the cell', async () => {
    const f = fixture('sep.csv', ['t,dur,cpu', '0,"1,200",1'].join('\n'));
    const e = await rejection(collect(readCsvRequests(f, { space: new ResourceSpace(['cpu']), columns: { arrival: 't', duration: 'dur', demand: { cpu: 'cpu' } } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:2, field 'dur': '1,200' is not a number (${HINT})`);
  });
});
