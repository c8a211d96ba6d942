import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, ROOT, tmpFile } from './helpers.js';

/*
 * Mistakes that only show across fields (a name given twice, a failure of a pool that does not
 * exist) are found when the file is read, with its line, by `drs validate` as by `drs run`.
 */

const DEFAULT = readFileSync(path.join(ROOT, 'scenarios/default.yaml'), 'utf8');
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** `drs validate` on the default scenario with one replacement: exit code and stderr. */
async function validate(from: string, to: string): Promise<{ code: number; err: string; file: string; text: string }> {
  expect(DEFAULT).toContain(from);
  const text = DEFAULT.replace(from, to);
  const file = tmpFile('s.yaml', text);
  const r = await drs(['validate', file]);
  return { code: r.code, err: r.err, file, text };
}

describe('cross-field mistakes are named with their line', () => {
  it('a priority class given twice (a second weight and SLO would split or shadow the first)', async () => {
    const r = await validate('{ priority: medium, weight: 0.25, sloWait: 30 }', '{ priority: high, weight: 0.25, sloWait: 30 }');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs validate: ${r.file}:${lineOf(r.text, 'priority: high, weight: 0.25')}, field 'trace.priorities[2].priority': duplicate priority class 'high' (also at index 1)\n`);
  });

  it('a profile, tenant or pool name given twice', async () => {
    const profile = await validate('{ name: tool-call, weight: 2.3,', '{ name: llm-turn, weight: 2.3,');
    expect(profile.err).toContain(`:${lineOf(profile.text, 'name: llm-turn, weight: 2.3')}, field 'trace.profiles[1].name': duplicate profile name 'llm-turn' (also at index 0)`);
    const tenant = await validate('{ name: support-bot, weight: 2 }', '{ name: search-agents, weight: 2 }');
    expect(tenant.err).toContain(`:${lineOf(tenant.text, 'name: search-agents, weight: 2 }')}, field 'trace.tenants[2].name': duplicate tenant 'search-agents' (also at index 0)`);
    const pool = await validate('  - name: l4\n', '  - name: h100\n');
    expect(pool.code).toBe(2);
    expect(pool.err).toContain(`:${lineOf(DEFAULT, '  - name: l4')}, field 'pools[1].name': duplicate pool name 'h100' (also at index 0)`);
  });

  it('a failure event of an unknown pool', async () => {
    const r = await validate('{ at: 30m, pool: h100,', '{ at: 30m, pool: a100,');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs validate: ${r.file}:${lineOf(DEFAULT, '{ at: 30m, pool: h100,')}, field 'failures.events[0].pool': unknown pool 'a100' (pools: h100, l4, cpu)\n`);
    const run = await drs(['run', r.file]);
    expect(run.err).toBe(r.err.replace('drs validate', 'drs run'));
  });

  it("a queue's widthDimension the scenario lacks (every job's width would read 0)", async () => {
    const r = await validate('queue: priority', 'queue: { name: f1, options: { widthDimension: 7 } }');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs validate: ${r.file}:${lineOf(r.text, 'widthDimension: 7')}, field 'queue.options.widthDimension': there is no dimension 7: expected an index 0-2 or a name of the dimensions (0 = cpu, 1 = memory, 2 = gpu)\n`);
    const own = await validate('  - first-fit\n', '  - { name: first-fit, queue: { name: sjf, options: { widthDimension: gpus } } }\n');
    expect(own.err).toContain(`:${lineOf(own.text, 'gpus')}, field 'strategies[0].queue.options.widthDimension': unknown dimension 'gpus': expected a dimension's name or index (dimensions: 0 = cpu, 1 = memory, 2 = gpu)`);
  });

  it('a profile demanding a dimension the scenario lacks', async () => {
    const r = await validate('demand: { cpu: 1, memory: 2Gi }', 'demand: { cpu: 1, memroy: 2Gi }');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`:${lineOf(r.text, 'memroy')}, field 'trace.profiles[1].demand.memroy': unknown resource dimension 'memroy' (the scenario has: cpu, memory, gpu)`);
  });

  it('a trace out of arrival order is refused at the record that goes back, with its line (swf, csv)', async () => {
    const swf = tmpFile('log.swf', '; a tiny log\n1 100 0 50 4 -1 -1 4 60 -1 1 1 1 -1 1 -1 -1 -1\n2 5 0 50 4 -1 -1 4 60 -1 1 1 1 -1 1 -1 -1 -1\n');
    const scen = (trace: string): string => tmpFile('s.yaml', `name: order\ndimensions: [cpu]\npools:\n  - { name: m, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }\ntrace: ${trace}\nstrategies: [first-fit]\n`);
    const r = await drs(['validate', scen(`{ kind: swf, file: ${swf} }`)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${swf}:3, field 'submitTime': job 2 is submitted at 5 s, before job 1 on line 2 (100 s): the log must be in submit-time order, as the SWF definition requires (sort the job lines by their second field, keeping the header lines first)`);
    const csv = tmpFile('t.csv', 't,d,c\n0,1,1\n10,1,1\n4,1,1\n');
    const c = await drs(['run', scen(`{ kind: csv, file: ${csv}, columns: { arrival: t, duration: d, demand: { cpu: c } } }`)]);
    expect(c.code).toBe(2);
    expect(c.err).toContain(`${csv}:4, field 't': arrival 4 is earlier than the record on line 3 (10): sort the file by arrival, or set 'unsorted: sort'`);
    // The fix the errors name: the same files replayed sorted, the reordering said after the table.
    const cs = await drs(['run', scen(`{ kind: csv, file: ${csv}, unsorted: sort, columns: { arrival: t, duration: d, demand: { cpu: c } } }`)]);
    expect(cs.code).toBe(0);
    expect(cs.out).toMatch(/first-fit +3 /);
    expect(cs.err).toContain('note: trace records adjusted by its rules: reordered-by-arrival 1\n');
    const ss = await drs(['run', scen(`{ kind: swf, file: ${swf}, options: { unsorted: sort } }`)]);
    expect(ss.code).toBe(0);
    expect(ss.err).toContain('note: trace records adjusted by its rules: reordered-by-submit-time 1\n');
  });

  it('a trace that is a folder, or an SWF log with no job to replay, is an error rather than an empty run', async () => {
    const scen = (trace: string): string => tmpFile('s.yaml', `name: e\ndimensions: [cpu]\npools:\n  - { name: m, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }\ntrace: ${trace}\nstrategies: [first-fit]\n`);
    const empty = tmpFile('empty.swf', '; no jobs\n1 0 0 -1 -1 -1 -1 4 60 -1 5 1 1 -1 1 -1 -1 -1\n');
    const r = await drs(['validate', scen(`{ kind: swf, file: ${empty} }`)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${empty}: no job to replay: the log has no record with a positive run time and a known processor count`);
    const folder = path.dirname(empty);
    const f = await drs(['validate', scen(`{ kind: swf, file: ${folder} }`)]);
    expect(f.err).toContain(`field 'trace.file': trace file '${folder}' is a folder`);
  });
});
