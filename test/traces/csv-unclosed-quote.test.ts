import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * A quote that is never closed makes csv-parse read the rest of the file as one cell and fail at
 * its end with "Quote Not Closed: the parsing is finished with an opening quote", which named the
 * last line of the file (or the line after the last good record), not the line with the quote.
 * The error names the line where the quote opened, its cell, and what was expected.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const columns: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'dur', demand: { cpu: 'cpu' } };

async function errorOf(name: string, text: string, delimiter?: string): Promise<Error> {
  const file = fixture(name, text);
  return rejection(collect(readCsvRequests(file, { space, columns, ...(delimiter === undefined ? {} : { delimiter }) })));
}

describe('csv: a quote never closed', () => {
  it.each(['q.csv', 'q.csv.gz'])('%s: names the line and cell where the quote opened, not the end of the file', async (name) => {
    const e = await errorOf(name, ['id,t,dur,cpu', 'a,1,5,1', 'b,2,"6,1', 'c,3,7,1', 'd,4,7,1', ''].join('\n'));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(new RegExp(`${name.replace(/\./g, '\\.')}:3: malformed CSV: the quote that opens cell 3 on this line is never closed`));
    expect(e.message).toMatch(/the rest of the file \(lines 3 to 5\) was read as one cell/);
    expect(e.message).toMatch(/close it, or write a quote inside a quoted cell as ""/);
    expect((e as TraceFormatError).location).toEqual({ file: expect.stringMatching(/q\.csv(\.gz)?$/) as unknown, line: 3 });
  });

  it('on the last line, without a final newline', async () => {
    const e = await errorOf('q-last.csv', ['id,t,dur,cpu', 'a,1,5,1', 'b,2,6,"1'].join('\n'));
    expect(e.message).toMatch(/q-last\.csv:3: malformed CSV: the quote that opens cell 4 on this line is never closed/);
    expect(e.message).toMatch(/\(line 3\)/);
  });

  it('a doubled quote inside the unclosed cell is a quote in it, not its end', async () => {
    const e = await errorOf('q-doubled.csv', ['id,t,dur,cpu', 'a,1,5,1', 'b,2,"6 ""x"" y,1', 'c,3,7,1'].join('\n'));
    expect(e.message).toMatch(/q-doubled\.csv:3: malformed CSV: the quote that opens cell 3 on this line is never closed \(the rest of the file \(lines 3 to 4\)/);
  });

  it('counts lines right after quoted cells over CRLF lines, doubled quotes and blank lines before it', async () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = ['id,t,dur,cpu', '"a', 'x""y",1,5,1', '', 'b,2,6,1', '', 'c,3, "7,1', 'd,4,7,1', ''].join(eol);
      const e = await errorOf('q-crlf.csv', text);
      expect(e.message, JSON.stringify(eol)).toMatch(/q-crlf\.csv:7: malformed CSV: the quote that opens cell 3 on this line is never closed \(the rest of the file \(lines 7 to 8\)/);
    }
  });

  it('a cell quoted over several lines whose quote does close is no error; the other delimiters count', async () => {
    const ok = fixture('q-ok.csv', ['id;t;dur;cpu', '"a;', 'b";1;5;1', '"c";"2";"6";1', ''].join('\n'));
    expect((await collect(readCsvRequests(ok, { space, columns, delimiter: ';' }))).map((r) => r.id)).toEqual(['a;\nb', 'c']);
    const e = await errorOf('q-semi.csv', ['id;t;dur;cpu', 'a;1;5;1', 'b;"2;6;1', ''].join('\n'), ';');
    expect(e.message).toMatch(/q-semi\.csv:3: malformed CSV: the quote that opens cell 2 on this line is never closed/);
  });

  it.each(['\n', '\r\n'])('a later quoted cell the parser takes for its end is named too, with the line of the open quote (%j)', async (eol) => {
    // The parser failed at line 5 ('Invalid Closing Quote: got "x" ...'), a line with nothing wrong on it.
    const e = await errorOf('q-late.csv', ['id,t,dur,cpu', 'a,1,5,1', 'b,2,"6,1', 'c,3,7,1', 'd,4,"x",1', 'e,5,7,1', ''].join(eol));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/q-late\.csv:3: malformed CSV: the quote that opens cell 3 on this line is not closed on it: the cell ran on to line 5, where a quote followed by 'x' cannot end it: close it, or write a quote inside a quoted cell as ""$/);
  });

  it("a quote closed wrongly on its own line keeps the parser's message at that line", async () => {
    const e = await errorOf('q-same.csv', ['id,t,dur,cpu', 'a,1,5,1', 'b,2,"6"x,1', ''].join('\n'));
    expect(e.message).toMatch(/q-same\.csv:3: malformed CSV: Invalid Closing Quote: got "x" instead of delimiter/);
  });

  it('the Azure reader says the same (all CSV readers share the rows)', async () => {
    const file = fixture('az-q.csv', ['TIMESTAMP,ContextTokens,GeneratedTokens', '2023-11-16 18:15:46.68,374,44', '"2023-11-16 18:15:47.00,12,5', '2023-11-16 18:15:48.00,12,5', ''].join('\n'));
    const e = await rejection(collect(readAzureLlmRequests(file, { space })));
    expect(e.message).toMatch(/az-q\.csv:3: malformed CSV: the quote that opens cell 1 on this line is never closed \(the rest of the file \(lines 3 to 4\)/);
  });
});
