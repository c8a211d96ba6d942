import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceFormatError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { openSwf, readSwfHeader, readSwfRecords, swfMachineSize } from '../../src/traces/swf.js';
import { readSwfRequests, swfRequestOptionsSchema } from '../../src/traces/swf-requests.js';
import { SWF_DIR, SWF_LOGS, swfDataPresent } from './data.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-swf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string, gz = false): string {
  const p = path.join(dir, name);
  writeFileSync(p, gz ? gzipSync(text) : text);
  return p;
}

const HEADER = [
  '; Version: 2.2',
  '; Computer: Test machine',
  '; Acknowledge: Jane Doe, Test Lab',
  '; Copyright: some notice',
  ';   that continues here',
  '; MaxNodes: 64',
  '; MaxProcs: 128',
  '; Queue: 1 batch',
  '; Queue: 2 debug',
  ';',
].join('\n');
// job  submit wait run alloc cpu mem reqP reqT reqMem status user group exe queue part prec think
const JOBS = [
  '1 100 5 3600 4 -1 1024 4 7200 2048 1 7 1 -1 1 -1 -1 -1',
  '2 160 0 60 -1 -1 -1 8 -1 -1 1 3 1 -1 2 -1 -1 -1',
  '3 200 0 -1 2 -1 -1 2 100 -1 5 -1 1 -1 1 -1 -1 -1',
  '4 260 0 552.5 16 10.25 -1 16 600 -1 1 7 1 -1 1 -1 -1 -1',
].join('\n');

describe('SWF header', () => {
  it('parses MaxProcs, MaxNodes, Acknowledge and keeps every header line', async () => {
    const p = write('h.swf', `${HEADER}\n${JOBS}\n`);
    const h = await readSwfHeader(p);
    expect(h.maxProcs).toBe(128);
    expect(h.maxNodes).toBe(64);
    expect(swfMachineSize(h)).toBe(128);
    expect(h.acknowledge).toBe('Jane Doe, Test Lab');
    expect(h.fields.get('Queue')).toEqual(['1 batch', '2 debug']);
    expect(h.lines).toContain('   that continues here');
    expect(h.lines).toHaveLength(10);
  });

  it('falls back to MaxNodes, and reports no size when both are missing', async () => {
    const nodesOnly = await readSwfHeader(write('n.swf', `; MaxNodes: 256\n${JOBS}\n`));
    expect(swfMachineSize(nodesOnly)).toBe(256);
    const none = await readSwfHeader(write('none.swf', `; Version: 2\n${JOBS}\n`));
    expect(swfMachineSize(none)).toBeUndefined();
  });

  it('rejects a malformed MaxProcs with file, line and field', async () => {
    const p = write('badmax.swf', `; Version: 2\n; MaxProcs: lots\n${JOBS}\n`);
    const e = await readSwfHeader(p).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).location).toEqual({ file: p, line: 2, field: 'MaxProcs' });
  });

  it('reads UnixStartTime as whole seconds; absent, blank or -1 is unknown', async () => {
    const at = await readSwfHeader(write('start.swf', `; UnixStartTime: 1027839845\n; TimeZoneString: Europe/Stockholm\n${JOBS}\n`));
    expect(at.unixStartTime).toBe(1027839845);
    expect(at.fields.get('TimeZoneString')).toEqual(['Europe/Stockholm']);
    for (const [name, line] of [['nostart.swf', '; Version: 2'], ['blank.swf', '; UnixStartTime:'], ['unknown.swf', '; UnixStartTime: -1']] as const) {
      const h = await readSwfHeader(write(name, `${line}\n${JOBS}\n`));
      expect(h.unixStartTime, name).toBeUndefined();
    }
    expect((await readSwfHeader(write('epoch.swf', `; UnixStartTime: 0\n${JOBS}\n`))).unixStartTime).toBe(0);
    const noted = await readSwfHeader(write('noted.swf', `; MaxProcs: 128 (8 nodes)\n${JOBS}\n`));
    expect(noted.maxProcs).toBe(128);
    expect(noted.fields.get('MaxProcs')).toEqual(['128 (8 nodes)']);
  });

  it('refuses a malformed UnixStartTime, MaxProcs or MaxNodes with file, line, field and what was expected', async () => {
    const cases: [string, string, string][] = [
      ['UnixStartTime', 'yesterday', 'a whole number of seconds since 1970-01-01 00:00 UTC'],
      ['UnixStartTime', '1027839845.5', 'a whole number of seconds'],
      ['UnixStartTime', '-5', 'a whole number of seconds'],
      ['UnixStartTime', '1e9', 'a whole number of seconds'],
      ['MaxProcs', '0x80', 'a positive whole number of processors'],
      ['MaxProcs', '0', 'a positive whole number of processors'],
      ['MaxNodes', '12.5', 'a positive whole number of nodes'],
    ];
    for (const [key, value, expected] of cases) {
      const p = write(`bad-${key}.swf`, `; Version: 2\n; ${key}: ${value}\n${JOBS}\n`);
      const e = await readSwfHeader(p).catch((x: unknown) => x);
      expect(e, `${key}: ${value}`).toBeInstanceOf(TraceFormatError);
      expect((e as TraceFormatError).location).toEqual({ file: p, line: 2, field: key });
      expect((e as Error).message).toContain(`header '${key}' is '${value}', expected ${expected}`);
    }
  });

  it('refuses a numeric header given twice with different values, naming both lines', async () => {
    const p = write('twice.swf', `; MaxProcs: 128\n; Note: x\n; MaxProcs: 256\n${JOBS}\n`);
    const e = await readSwfHeader(p).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).location).toEqual({ file: p, line: 3, field: 'MaxProcs' });
    expect((e as Error).message).toContain('256 here but 128 at line 1');
    const same = await readSwfHeader(write('same.swf', `; MaxProcs: 128\n; MaxProcs: 128\n${JOBS}\n`));
    expect(same.maxProcs).toBe(128);
  });

  it('reads gzip by content, whatever the name', async () => {
    const p = write('compressed.swf', `${HEADER}\n${JOBS}\n`, true);
    const f = await openSwf(p);
    expect(f.header.maxProcs).toBe(128);
    const recs = [];
    for await (const r of f.records) recs.push(r);
    expect(recs.map((r) => r.jobNumber)).toEqual([1, 2, 3, 4]);
  });
});

describe('SWF records', () => {
  it('yields all 18 fields as numbers, with the line number', async () => {
    const p = write('r.swf', `${HEADER}\n${JOBS}\n`);
    const recs = [];
    for await (const r of readSwfRecords(p)) recs.push(r);
    expect(recs).toHaveLength(4);
    const r = recs[0];
    expect(r).toMatchObject({ jobNumber: 1, submitTime: 100, waitTime: 5, runTime: 3600, allocatedProcessors: 4, usedMemory: 1024, requestedProcessors: 4, requestedTime: 7200, requestedMemory: 2048, status: 1, userId: 7, queueNumber: 1, thinkTime: -1, line: 11 });
    expect(recs[3]?.runTime).toBe(552.5);
    expect(recs[3]?.averageCpuTime).toBe(10.25);
  });

  it('a truncated line is an error naming the file, the line and the first missing field', async () => {
    const p = write('trunc.swf', `${HEADER}\n${JOBS}\n5 300 0 60 4 -1 -1\n`);
    const recs: number[] = [];
    let err: unknown;
    try {
      for await (const r of readSwfRecords(p)) recs.push(r.jobNumber);
    } catch (e) {
      err = e;
    }
    expect(recs).toEqual([1, 2, 3, 4]); // streamed: the good lines came out first
    expect(err).toBeInstanceOf(TraceFormatError);
    const e = err as TraceFormatError;
    expect(e.location).toEqual({ file: p, line: 15, field: 'requestedProcessors' });
    expect(e.message).toContain(`${p}:15`);
    expect(e.message).toContain('found 7');
    expect(e.message).toContain('field 8 (requestedProcessors) is missing');
  });

  it('a non-numeric value is an error naming its field', async () => {
    const p = write('nan.swf', `; MaxProcs: 8\n1 0 0 abc 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1\n`);
    const e = await (async () => {
      for await (const _ of readSwfRecords(p)) void _;
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).location).toEqual({ file: p, line: 2, field: 'runTime' });
  });

  it('a fractional count or a number that is not plain decimal is an error naming its field; fractional times stay data', async () => {
    const errorOf = async (name: string, job: string): Promise<TraceFormatError> => {
      const p = write(name, `; MaxProcs: 8\n${job}\n`);
      const e = await (async () => {
        for await (const _ of readSwfRecords(p)) void _;
      })().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TraceFormatError);
      return e as TraceFormatError;
    };
    const frac = await errorOf('frac.swf', '1 0 0 5 2.5 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1');
    expect(frac.location.field).toBe('allocatedProcessors');
    expect(frac.message).toContain("field 5 (allocatedProcessors) is '2.5', expected a whole number");
    const hex = await errorOf('hex.swf', '1 0 0 5 1 -1 -1 0x10 10 -1 1 1 1 -1 1 -1 -1 -1');
    expect(hex.location.field).toBe('requestedProcessors');
    // Line 4 of JOBS has a fractional run time (552.5) and CPU time (10.25): read as they are.
    const recs = [];
    for await (const r of readSwfRecords(write('ok.swf', `${HEADER}\n${JOBS}\n`))) recs.push(r);
    expect(recs[3]).toMatchObject({ runTime: 552.5, averageCpuTime: 10.25 });
  });

  it('a time beyond 1e10 s or a count beyond 2^53 - 1 is an error naming its field; the largest accepted values are read', async () => {
    const errorOf = async (name: string, job: string): Promise<TraceFormatError> => {
      const p = write(name, `; MaxProcs: 8\n${job}\n`);
      const e = await (async () => {
        for await (const _ of readSwfRecords(p)) void _;
      })().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TraceFormatError);
      return e as TraceFormatError;
    };
    const run = await errorOf('run1e308.swf', '1 0 0 1e308 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1');
    expect(run.location).toMatchObject({ line: 2, field: 'runTime' });
    expect(run.message).toContain("field 4 (runTime) is '1e308', expected a time of at most 1e10 s");
    // A plain integer (the fast path's exact sum) one second over the bound, in another time field.
    const submit = await errorOf('submit.swf', '1 10000000001 0 5 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1');
    expect(submit.location.field).toBe('submitTime');
    const think = await errorOf('think.swf', '1 0 0 5 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1e11');
    expect(think.location.field).toBe('thinkTime');
    const id = await errorOf('id1e308.swf', '1e308 0 0 5 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1');
    expect(id.location.field).toBe('jobNumber');
    expect(id.message).toContain("field 1 (jobNumber) is '1e308', expected a whole number between -9007199254740991 and 9007199254740991");
    const id2 = await errorOf('id2p53.swf', '9007199254740992 0 0 5 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1');
    expect(id2.location.field).toBe('jobNumber');
    const recs = [];
    for await (const r of readSwfRecords(write('edge.swf', '; MaxProcs: 8\n9007199254740991 10000000000 0 1e10 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1\n'))) recs.push(r);
    expect(recs[0]).toMatchObject({ jobNumber: Number.MAX_SAFE_INTEGER, submitTime: 1e10, runTime: 1e10 });
  });

  it('too many fields is an error too', async () => {
    const p = write('long.swf', `; MaxProcs: 8\n1 0 0 5 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1 99\n`);
    await expect(readSwfHeader(p)).resolves.toBeDefined();
    const e = await (async () => {
      for await (const _ of readSwfRecords(p)) void _;
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).location.line).toBe(2);
  });

  it('a missing file is a UserError naming it', async () => {
    const p = path.join(dir, 'nope.swf');
    const e = await readSwfHeader(p).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toContain(p);
  });

  it('says a file compressed other than with gzip, or binary, is one (was "no MaxProcs" or a "truncated" first line)', async () => {
    const plain = `${HEADER}\n${JOBS}\n`;
    const cases: [string, Buffer, string][] = [
      ['log.swf.zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.from(plain)]), 'the file is compressed with zip, and the SWF reader decompresses gzip only: unzip it first (or gzip it)'],
      ['log.swf.bz2', Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.from([0x00, 0x01])]), 'the file is compressed with bzip2, and the SWF reader decompresses gzip only: decompress it first (or gzip it)'],
      ['log.swf.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04]), 'the file is compressed with xz, and the SWF reader decompresses gzip only: decompress it first (or gzip it)'],
    ];
    for (const [name, bytes, message] of cases) {
      const p = path.join(dir, name);
      writeFileSync(p, bytes);
      const e = await openSwf(p).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TraceFormatError);
      expect((e as Error).message).toBe(`${p}:1: ${message}`);
    }
    // Binary bytes after a header line: named at their line, before any job is read.
    const bin = path.join(dir, 'binary.swf');
    writeFileSync(bin, Buffer.concat([Buffer.from('; MaxProcs: 4\n'), Buffer.from([0x00, 0x13, 0x88, 0x02, 0x0a])]));
    const e = await openSwf(bin).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as Error).message).toBe(`${bin}:2: binary data, not SWF text (compressed? the reader decompresses gzip only)`);
    // Text in another encoding is not binary: a Latin-1 name in a header line still reads.
    const latin = path.join(dir, 'latin1.swf');
    writeFileSync(latin, Buffer.concat([Buffer.from('; Acknowledge: Universit'), Buffer.from([0xe4]), Buffer.from(`t X\n; MaxProcs: 128\n${JOBS}\n`)]));
    expect((await readSwfHeader(latin)).maxProcs).toBe(128);
  });

  it('a truncated gzip stream is a TraceFormatError, not a crash', async () => {
    const full = gzipSync(`${HEADER}\n${JOBS.repeat(1)}\n`.repeat(200));
    const p = path.join(dir, 'cut.swf.gz');
    writeFileSync(p, full.subarray(0, Math.floor(full.length / 2)));
    const e = await (async () => {
      for await (const _ of readSwfRecords(p)) void _;
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).message).toContain(p);
  });
});

describe('readSwfRequests', () => {
  const space = new ResourceSpace();
  it('maps records to requests (valid jobs only by default)', async () => {
    const p = write('req.swf', `${HEADER}\n${JOBS}\n`);
    const skipped: string[] = [];
    const out = [];
    for await (const r of readSwfRequests(p, { space, onSkip: (rec, why) => skipped.push(`${rec.jobNumber}: ${why}`) })) out.push(r);
    expect(out.map((r) => r.id)).toEqual(['1', '2', '4']);
    expect(skipped).toEqual(['3: run time not positive (cancelled, or unknown)']);
    const [a, b, c] = out;
    // cpu = max(alloc, req); memory = requested KB/proc (else used) × procs, in GiB; gpu 0.
    expect(a).toMatchObject({ tenant: '7', arrival: 0, demand: [4, (2048 * 4) / 1024 ** 2, 0], duration: 3600, requestedDuration: 7200, priority: 'medium' });
    expect(b).toMatchObject({ tenant: '3', arrival: 60, demand: [8, 0, 0], duration: 60, requestedDuration: 60 });
    expect(c).toMatchObject({ arrival: 160, demand: [16, 0, 0], duration: 552.5, requestedDuration: 600 });
  });

  it("jobs: 'all' keeps every record, reports each unknown read as 0; limit stops early; queue priorities map", async () => {
    const p = write('req2.swf', `${HEADER}\n${JOBS}\n5 300 0 -1 -1 -1 -1 -1 -1 -1 0 7 1 -1 1 -1 -1 -1\n`);
    const all = [];
    const adjusted: string[] = [];
    const onAdjust = (rec: { jobNumber: number }, why: string) => adjusted.push(`${rec.jobNumber}: ${why}`);
    for await (const r of readSwfRequests(p, { space, jobs: 'all', queuePriorities: { 2: 'high' }, onAdjust })) all.push(r);
    expect(all.map((r) => [r.id, r.duration, r.demand[0], r.priority])).toEqual([
      ['1', 3600, 4, 'medium'],
      ['2', 60, 8, 'high'],
      ['3', 0, 2, 'medium'],
      ['4', 552.5, 16, 'medium'],
      ['5', 0, 0, 'medium'],
    ]);
    // Job 2's allocated count is unknown but its requested one (8) is not: nothing read as 0 there.
    expect(adjusted).toEqual(['3: unknown run time read as 0 s', '5: unknown run time read as 0 s', '5: unknown number of processors read as 0']);
    const two = [];
    for await (const r of readSwfRequests(p, { space, limit: 2 })) two.push(r.id);
    expect(two).toEqual(['1', '2']);
  });

  it('an unknown submit time (−1) is skipped with its reason by default and an error naming the line with jobs: all', async () => {
    const p = write('nosubmit.swf', `${HEADER}\n${JOBS}\n5 -1 0 30 2 -1 -1 2 60 -1 1 7 1 -1 1 -1 -1 -1\n`);
    const skipped: string[] = [];
    const out = [];
    for await (const r of readSwfRequests(p, { space, onSkip: (rec, why) => skipped.push(`${rec.jobNumber}: ${why}`) })) out.push(r.id);
    expect(out).toEqual(['1', '2', '4']);
    expect(skipped).toEqual(['3: run time not positive (cancelled, or unknown)', '5: unknown submit time']);
    const e = await (async () => {
      for await (const _ of readSwfRequests(p, { space, jobs: 'all' })) void _;
    })().catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/nosubmit\.swf:\d+, field 'submitTime': job 5 has submit time -1 \(unknown\), which jobs: all cannot replay; use jobs: valid to skip such records$/);
  });

  it('a job number replayed twice is an error naming both lines; a skipped record does not count', async () => {
    // Job 3 (not run) and the later job 3 that ran: only one of them is replayed, so that is fine.
    const ok = write('dup-skipped.swf', `${HEADER}\n${JOBS}\n3 300 0 30 2 -1 -1 2 60 -1 1 7 1 -1 1 -1 -1 -1\n`);
    const ids = [];
    for await (const r of readSwfRequests(ok, { space })) ids.push(r.id);
    expect(ids).toEqual(['1', '2', '4', '3']);
    // A second job 4 would collide with the first in the simulator (allocations are keyed by id).
    const p = write('dup.swf', `${HEADER}\n${JOBS}\n4 300 0 30 2 -1 -1 2 60 -1 1 7 1 -1 1 -1 -1 -1\n`);
    const e = await (async () => {
      for await (const _ of readSwfRequests(p, { space })) void _;
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as Error).message).toBe(`${p}:15, field 'jobNumber': duplicate id '4' (also on line 14): each request needs its own id`);
  });

  it('needs a cpu dimension', () => {
    expect(() => readSwfRequests('x.swf', { space: new ResourceSpace(['gpu']) })).toThrow(UserError);
  });

  it('publishes a strict option schema for scenario files', () => {
    expect(swfRequestOptionsSchema.parse({ jobs: 'all', queuePriorities: { '3': 'low' } })).toEqual({ jobs: 'all', queuePriorities: { '3': 'low' } });
    expect(() => swfRequestOptionsSchema.parse({ jobz: 'all' })).toThrow();
    expect(() => swfRequestOptionsSchema.parse({ queuePriorities: { '3': 'urgent' } })).toThrow();
  });
});

const present = swfDataPresent('test/swf/reader');
describe.skipIf(!present)('the shipped logs', () => {
  it('headers give the machine sizes and keep the acknowledgement', async () => {
    const sizes: Record<string, number | undefined> = {};
    for (const [name, file] of Object.entries(SWF_LOGS)) {
      const h = await readSwfHeader(path.join(SWF_DIR, file));
      sizes[name] = swfMachineSize(h);
      expect(h.acknowledge, name).toBeTruthy();
    }
    expect(sizes).toEqual({ 'Lublin-1': 256, 'SDSC-SP2': 128, HPC2N: 240 });
  });

  it('streams lublin_256 as 10,000 requests', async () => {
    let n = 0;
    let last = -Infinity;
    for await (const r of readSwfRequests(path.join(SWF_DIR, SWF_LOGS['Lublin-1']), { space: new ResourceSpace() })) {
      n++;
      expect(r.arrival).toBeGreaterThanOrEqual(last);
      last = r.arrival;
    }
    expect(n).toBe(10_000);
  });
});
