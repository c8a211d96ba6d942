import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readSwfRequests } from '../../src/traces/swf-requests.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * An SWF log whose every record `jobs: valid` leaves out: the error said "no record with a
 * positive run time and a known processor count" even when the records had both and were left out
 * for an unknown (negative) submit time, and never said how many records there were, or why.
 */

const space = new ResourceSpace(['cpu', 'memory']);
const job = (id: number, submit: number, run: number, procs: number): string => `${id} ${submit} 0 ${run} ${procs} -1 -1 ${procs} 60 -1 1 1 1 1 1 -1 -1 -1`;

describe('swf: a log with no job to replay', () => {
  it('says how many records there were and why each was left out', async () => {
    const f = fixture('left-out.swf', ['; MaxProcs: 8', job(1, -1, 10, 2), job(2, 5, -1, 2), job(3, 6, 10, -1), job(4, -3, 10, 2)].join('\n') + '\n');
    const e = await rejection(collect(readSwfRequests(f, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(
      `${f}: no job to replay: the log has no record with a positive run time and a known processor count and submit time (all 4 record(s) left out: unknown submit time 2, run time not positive (cancelled, or unknown) 1, unknown number of processors 1; jobs: all replays those with a known submit time)`,
    );
  });

  it('a log with only header lines says so', async () => {
    const f = fixture('header-only.swf', '; MaxProcs: 8\n');
    expect((await rejection(collect(readSwfRequests(f, { space })))).message).toBe(`${f}: no job to replay: the log has no job record, only header lines`);
    expect((await rejection(collect(readSwfRequests(f, { space, jobs: 'all' })))).message).toBe(`${f}: no job to replay: the log has no job record, only header lines`);
  });
});
