import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { readDemandSeries } from '../../src/traces/demand-series.js';
import { fixture, rejection } from './helpers.js';

/*
 * A demand series with a header and no sample: the other readers say so at line 2 ("no records
 * after the header", docs/traces.md), the series reader said "no data rows" at line 1, the header;
 * and a `where` that no row passes was reported the same way, as if the file were empty.
 */

async function read(name: string, text: string, opts: Parameters<typeof readDemandSeries>[1] = {}): Promise<Error> {
  return rejection((async () => {
    for await (const _ of readDemandSeries(fixture(name, text), opts)) void _;
  })());
}

describe('demand series without a sample', () => {
  for (const aggregate of [undefined, { step: 60, how: 'sum' as const }]) {
    const mode = aggregate === undefined ? 'regular' : 'aggregated';
    it(`a header and no rows is an error at line 2 (${mode})`, async () => {
      const e = await read(`series-hdr-${mode}.csv`, 'timestamp,value\n\n', aggregate === undefined ? {} : { aggregate });
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toMatch(new RegExp(`series-hdr-${mode}\\.csv:2: no records after the header: a series needs at least one sample$`));
    });

    it(`a 'where' that no row passes names the rule and the values seen (${mode})`, async () => {
      const e = await read(`series-where-${mode}.csv`, 'timestamp,value,k\n0,1,a\n60,1,A\n', { where: { k: 'b' }, ...(aggregate === undefined ? {} : { aggregate }) });
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toMatch(/no row matches 'where' \(k = 'b'\) among 2 record\(s\); values seen in those columns include 'a', 'A'/);
    });
  }

  it('rows left out by where are still counted, and the kept ones read', async () => {
    const skipped: string[] = [];
    const out: number[] = [];
    for await (const s of readDemandSeries(fixture('series-where-ok.csv', 'timestamp,value,k\n0,1,a\n30,9,b\n60,2,a\n'), { where: { k: 'a' } }, undefined, (r) => skipped.push(r))) out.push(s.value);
    expect(out).toEqual([1, 2]);
    expect(skipped).toEqual(['where']);
  });
});
