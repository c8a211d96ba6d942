import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { traceStatsNotes } from '../../src/traces/trace-stats.js';
import { openTrace } from '../../src/traces/registry.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { collect, fixture } from './helpers.js';

/*
 * A reader that holds records to replay them in arrival order (`unsorted: sort` or a window, the
 * openb pod list) reads past what a run replays when the run stops early (its horizon). Those
 * records were neither replayed nor skipped: stats.held counts them and the note says so. Before,
 * alibaba/clusterdata's DLRM table under `unsorted: sort` and a 3-day horizon said "23871
 * record(s) gave 1031 request(s); skipped: empty-arrival 7280", the other 15,560 unaccounted for.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
// Lines 2..6: a@100, b@40, c@100, d@40, e@70; replayed b d e a c.
const JOBS = 'id,t,d,c\na,100,1,1\nb,40,2,1\nc,100,3,1\nd,40,4,1\ne,70,5,1\n';
const cols: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } };
const ids = (rs: readonly Request[]) => rs.map((r) => r.id);

/** Read the way the simulator does at a horizon: stop calling next() after the first arrival past it. */
async function readUntil(stream: AsyncIterable<Request>, horizon: number): Promise<Request[]> {
  const it = stream[Symbol.asyncIterator]();
  const out: Request[] = [];
  for (let n = await it.next(); !n.done; n = await it.next()) {
    if (n.value.arrival > horizon) break; // no return(): the replay leaves the stream suspended
    out.push(n.value);
  }
  return out;
}

describe('records held for the arrival-order replay and never replayed', () => {
  it('csv sort: a run that stops early leaves the rest counted as held, and the counts add up', async () => {
    const s = readCsvRequests(fixture('held.csv', JOBS), { space, columns: cols, unsorted: 'sort' });
    expect(ids(await readUntil(s, 10))).toEqual(['b', 'd']); // e (30 s) was read from the stream, past the horizon
    expect(s.stats).toEqual({ records: 5, emitted: 3, skipped: {}, adjusted: { 'reordered-by-arrival': 3 }, held: 2 });
    expect(traceStatsNotes(s.stats)).toContain(
      "2 trace record(s) read but not replayed: they arrive after the point where reading stopped (the run's horizon, the trace's limit, or the first requests drs validate reads), and were held only to replay the trace in arrival order",
    );
    // Read to the end (again): nothing held, no key, no note.
    expect(ids(await collect(s))).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(s.stats).toEqual({ records: 5, emitted: 5, skipped: {}, adjusted: { 'reordered-by-arrival': 3 } });
    expect(traceStatsNotes(s.stats)).toEqual(['trace records adjusted by its rules: reordered-by-arrival 3']);
  });

  it('csv window: the records still in the window when reading stopped', async () => {
    const s = readCsvRequests(fixture('held-w.csv', JOBS), { space, columns: cols, unsorted: { window: 60 } });
    // Window 60: b (40) is given back as soon as it is read, 60 s behind a (100), which stays held.
    expect(ids(await collect(s, 1))).toEqual(['b']);
    expect(s.stats).toMatchObject({ records: 2, emitted: 1, held: 1 });
  });

  it('azure-llm sort and the openb pod list count them too', async () => {
    const az = readAzureLlmRequests(
      fixture('held-az.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:10,100,10\n2023-11-16 18:00:00,100,10\n2023-11-16 18:00:05,100,10\n'),
      { space, unsorted: 'sort', seed: 1 },
    );
    expect((await readUntil(az, 1)).map((r) => r.arrival)).toEqual([0]);
    expect(az.stats).toMatchObject({ records: 3, emitted: 2, held: 1 });
    const head = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
    const pods = readAlibabaPodRequests(fixture('held-pods.csv', `${head}\np0,1000,1024,0,0,,LS,Running,300,400,300\np1,1000,1024,0,0,,LS,Running,100,200,100\np2,1000,1024,0,0,,LS,Running,200,900,200\n`), { space });
    expect(ids(await readUntil(pods, 50))).toEqual(['p1']);
    expect(pods.stats).toMatchObject({ records: 3, emitted: 2, held: 1 });
    expect(ids(await collect(pods))).toEqual(['p1', 'p2', 'p0']);
    expect(pods.stats.held).toBeUndefined();
  });

  it('the swf kind under unsorted: sort counts them too', async () => {
    // Jobs 1..4 submitted at 100, 40, 100, 70 (fields: number, submit, wait, run, procs, ..., requested procs, requested time).
    const job = (n: number, submit: number) => `${n} ${submit} 0 10 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1`;
    const file = fixture('held.swf', ['; MaxProcs: 4', job(1, 100), job(2, 40), job(3, 100), job(4, 70)].join('\n') + '\n');
    const s = openTrace({ kind: 'swf', file, options: { unsorted: 'sort' } }, { space, dataRoot: '.' });
    // Relative to the earliest submit (40): jobs 2 (0 s), 4 (30 s), 1 and 3 (60 s); stop past 10 s.
    expect(ids(await readUntil(s, 10)).length).toBe(1);
    expect(s.stats).toMatchObject({ records: 4, emitted: 2, held: 2 });
    await collect(s);
    expect(s.stats.held).toBeUndefined();
  });

  it('drs run says it after a horizon, and --json holds the count', async () => {
    const csv = tmpFile('held-run.csv', JOBS);
    const scen = tmpFile('held-run.yaml', `name: held\nhorizon: 35s\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: csv, file: ${csv}, columns: { id: id, arrival: t, duration: d, demand: { cpu: c } }, unsorted: sort }\nstrategies: [first-fit]\n`);
    const json = `${scen}.json`;
    const r = await drs(['run', scen, '--quiet', '--json', json]);
    expect(r.code, r.err).toBe(0);
    // b, d (0 s) and e (30 s) replayed; a (60 s) read past the horizon and not replayed, c held: 2 held, 3 emitted, as the table's 3.
    expect(r.out).toMatch(/^first-fit\s+3\s+0\s+0\s/m);
    expect(r.err).toContain('note: 2 trace record(s) read but not replayed');
    expect(JSON.parse(readFileSync(json, 'utf8')).trace).toEqual({ records: 5, emitted: 3, skipped: {}, adjusted: { 'reordered-by-arrival': 3 }, held: 2 });
  });

  it('a streaming reader cut by the horizon: the request read past it is not counted as emitted (the note said 1 more than the run took)', async () => {
    // In arrival order, one row skipped by its rule (empty arrival): 0, 10, (empty), 20, 30, 40.
    const csv = tmpFile('cut-run.csv', 'id,t,d,c\na,0,1,1\nb,10,1,1\nx,,1,1\nc,20,1,1\nd,30,1,1\ne,40,1,1\n');
    const scen = tmpFile('cut-run.yaml', `name: cut\nhorizon: 25s\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: csv, file: ${csv}, columns: { id: id, arrival: t, duration: d, demand: { cpu: c } }, empty: { arrival: skip } }\nstrategies: [first-fit]\n`);
    const json = `${scen}.json`;
    const r = await drs(['run', scen, '--quiet', '--json', json]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^first-fit\s+3\s+0\s+0\s/m);
    // d (30 s) was read and is past the horizon: neither emitted nor held; e was never read.
    expect(r.err).toContain("note: the trace's 4 record(s) gave 3 request(s); skipped by its rules: empty-arrival 1");
    expect(JSON.parse(readFileSync(json, 'utf8')).trace).toEqual({ records: 4, emitted: 3, skipped: { 'empty-arrival': 1 }, adjusted: {} });
  });
});
