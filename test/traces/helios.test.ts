import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { parseTraceSpec } from '../../src/traces/registry.js';
import { collect, fixture } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

/*
 * Helios (S-Lab-System-Group/HeliosData, SC '21): each cluster's cluster_log.csv is a Slurm job
 * table, dates without a zone, `duration` = end − start in seconds, `state` one of COMPLETED,
 * CANCELLED, FAILED, TIMEOUT, NODE_FAIL. Read by the csv kind as it is; rows written by hand.
 */
const HELIOS = [
  'job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue',
  '100,uA,vc1,1,4,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-09 19:41:01,3600,0',
  '101,uB,vc2,16,64,2,FAILED,2020-06-09 18:41:27,2020-06-09 18:42:27,2020-06-09 18:45:36,189,60',
  '102,uA,vc1,0,8,1,CANCELLED,2020-06-09 18:41:28,2020-06-09 18:41:28,2020-06-09 18:41:28,0,0',
  '103,uC,vc3,8,32,1,TIMEOUT,2020-06-09 18:42:01,2020-06-09 18:50:01,2020-06-10 18:50:01,86400,480',
  '104,uB,vc2,2,8,1,NODE_FAIL,2020-06-09 18:43:01,2020-06-09 18:43:01,2020-06-09 18:53:01,600,0',
].join('\n');

const COLUMNS: CsvTraceOptions['columns'] = { id: 'job_id', tenant: 'user', arrival: 'submit_time', duration: 'duration', demand: { gpu: 'gpu_num', cpu: 'cpu_num' } };

async function read(text: string, more: Partial<CsvTraceOptions> = {}) {
  const stream = readCsvRequests(fixture('cluster_log.csv', text), { space, columns: COLUMNS, ...more });
  return { reqs: await collect(stream), stats: stream.stats };
}

describe('Helios cluster_log.csv through the csv kind', () => {
  it('reads zone-less dates as submit times, duration in seconds, ids and tenants from their columns', async () => {
    const { reqs, stats } = await read(HELIOS);
    // Submit times 18:41:01, :27, :28, 18:42:01, 18:43:01 → 0, 26, 27, 60, 120 s.
    expect(reqs.map((r) => [r.id, r.tenant, r.arrival, r.duration, r.demand])).toEqual([
      ['100', 'uA', 0, 3600, [4, 0, 1]],
      ['101', 'uB', 26, 189, [64, 0, 16]],
      ['102', 'uA', 27, 0, [8, 0, 0]],
      ['103', 'uC', 60, 86400, [32, 0, 8]],
      ['104', 'uB', 120, 600, [8, 0, 2]],
    ]);
    expect(stats).toMatchObject({ records: 5, emitted: 5, skipped: {}, adjusted: {} });
  });

  it('where keeps single-node jobs of the states chosen; the rest is counted', async () => {
    const { reqs, stats } = await read(HELIOS, { where: { node_num: '1', state: ['COMPLETED', 'FAILED', 'TIMEOUT'] } });
    expect(reqs.map((r) => r.id)).toEqual(['100', '103']);
    expect(stats.skipped).toEqual({ where: 3 });
  });

  it('a bad date or a negative duration is an error at file:line naming the column', async () => {
    await expect(read(HELIOS.replace('2020-06-09 18:42:01,2020', '2020-06-31 18:42:01,2020'))).rejects.toThrow(/cluster_log\.csv:5, field 'submit_time': .*2020-06-31/);
    await expect(read(HELIOS.replace(',189,60', ',-189,60'))).rejects.toThrow(/cluster_log\.csv:3, field 'duration': duration -189 s is negative/);
    await expect(read(HELIOS.replace('18:41:27,2020-06-09 18:42:27', '18:40:27,2020-06-09 18:42:27'))).rejects.toThrow(/cluster_log\.csv:3, field 'submit_time': arrival '2020-06-09 18:40:27' is earlier than the record on line 2/);
  });
});

/** The ```yaml blocks of docs/traces.md holding a `trace:` of the formats documented for public traces. */
function docTraces(): { line: number; trace: unknown }[] {
  const text = readFileSync('docs/traces.md', 'utf8');
  const out: { line: number; trace: unknown }[] = [];
  for (const m of text.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
    const body = m[1] as string;
    if (!/pai-2020|burstgpt|mooncake|helios|philly/.test(body)) continue;
    out.push({ line: text.slice(0, m.index).split('\n').length, trace: (parse(body) as { trace: unknown }).trace });
  }
  return out;
}

describe('docs/traces.md mappings of public traces', () => {
  it('every snippet is a valid trace spec (PAI 2020, BurstGPT, Mooncake, Helios, Philly)', () => {
    const found = docTraces();
    expect(found.length).toBe(5);
    for (const { line, trace } of found) expect(() => parseTraceSpec(trace, `docs/traces.md:${line}`)).not.toThrow();
  });
});
