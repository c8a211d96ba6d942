import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ResourceSpace } from '../../src/core/resources.js';
import { openTrace } from '../../src/traces/registry.js';
import { collect, fixture } from './helpers.js';

/*
 * docs/traces.md flattens Philly's JSON job log with a jq program into a header-less CSV for the
 * csv kind. The program and the trace spec are taken from the doc as written and run on jobs
 * written by hand in the log's shape (skipped where jq is not installed).
 */
const DOC = readFileSync('docs/traces.md', 'utf8');
const PHILLY = DOC.slice(DOC.indexOf('### Philly'));
const JQ = /^```\n([\s\S]*?)^```/m.exec(PHILLY)?.[1] ?? '';
const SPEC = (parse(/^```yaml\n([\s\S]*?)^```/m.exec(PHILLY)?.[1] ?? '') as { trace: Record<string, unknown> }).trace;
const HAVE_JQ = spawnSync('jq', ['--version']).status === 0;
if (!HAVE_JQ) console.warn('philly.test.ts: skipped, jq is not installed (apt-get install jq; .ci/run installs it)');

const at = (t: string) => `"2017-10-01 ${t}"`;
const attempt = (start: string | null, end: string | null, gpus: number[]) =>
  `{"start_time": ${start === null ? 'null' : at(start)}, "end_time": ${end === null ? 'null' : at(end)}, "detail": [${gpus.map((n, i) => `{"ip": "m${i}", "gpus": [${Array.from({ length: n }, (_, g) => `"gpu${g}"`).join(', ')}]}`).join(', ')}]}`;
const job = (id: string, user: string, submitted: string, attempts: string[]) => `{"status": "Pass", "vc": "v", "jobid": "${id}", "user": "${user}", "submitted_time": ${at(submitted)}, "attempts": [${attempts.join(', ')}]}`;
const LOG = `[${[
  job('j1', 'u1', '10:00:00', [attempt('10:00:30', '10:10:30', [2])]),
  job('j2', 'u2', '10:01:00', [attempt('10:02:00', '10:03:00', [1]), attempt('10:05:00', '10:07:00', [1])]),
  job('j3', 'u1', '10:02:00', []),
  job('j4', 'u3', '10:03:00', [attempt('10:04:00', null, [4, 4])]),
  job('j5', 'u3', '09:59:00', [attempt(null, '10:30:00', [1])]),
].join(',\n')}]`;

describe('Philly job log via the documented jq program and the csv kind', () => {
  it.skipIf(!HAVE_JQ)('flattens jobs (no attempts: dropped) and replays them with the documented mapping', async () => {
    expect(JQ).toContain('@csv');
    const r = spawnSync('jq', ['-r', JQ, fixture('cluster_job_log', LOG)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const csv = fixture('philly_jobs.csv', r.stdout);
    const stream = openTrace({ ...SPEC, file: csv }, { space: new ResourceSpace(['cpu', 'memory', 'gpu']), dataRoot: '/' });
    const reqs = await collect(stream);
    // j5 (submitted first, no start: empty run time) is skipped; j4 runs on 2 machines: left out by where; sorted by submit time.
    expect(reqs.map((q) => [q.id, q.tenant, q.arrival, q.duration, q.demand[2]])).toEqual([
      ['j1', 'u1', 0, 600, 2],
      ['j2', 'u2', 60, 180, 1],
    ]);
    expect(stream.stats).toMatchObject({ records: 4, emitted: 2, skipped: { where: 1, 'empty-duration': 1 } });
  });
});
