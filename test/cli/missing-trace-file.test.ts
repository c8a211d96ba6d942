import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, expectUserError, tmpFile } from './helpers.js';

/*
 * A scenario that names a trace (or node list) file that is missing or is a folder: the error
 * names the scenario file, the field and the line of the field, as every other field error does.
 * It named the field without the line ("s.yaml, field 'trace.file': ..."): the error was a plain
 * UserError, which the CLI does not look up in the YAML.
 */

const scenario = (trace: string, extra = ''): string =>
  tmpFile(
    's.yaml',
    `name: t
dimensions: [cpu]
pools:
  - { name: m, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }
trace:
  kind: swf
  file: ${trace}
${extra}strategies: [first-fit]
`,
  );

describe('a trace file the scenario names that is not there', () => {
  const missing = path.join(mkdtempSync(path.join(os.tmpdir(), 'drs-missing-')), 'nope.swf');

  it('drs validate and drs run name the line of trace.file', async () => {
    const f = scenario(missing);
    const want = `${f}:7, field 'trace.file': trace file '${missing}' not found`;
    expectUserError(await drs(['validate', f]), want);
    expectUserError(await drs(['run', f, '--quiet']), want);
  });

  it('a folder instead of a file: the line of trace.file', async () => {
    const folder = path.dirname(missing);
    const f = scenario(folder);
    expectUserError(await drs(['validate', f]), `${f}:7, field 'trace.file': trace file '${folder}' is a folder`);
  });

  it('under the RLScheduler protocol too', async () => {
    const f = scenario(missing, 'protocol: { kind: rlscheduler, windows: [0], length: 4 }\n');
    const want = `${f}:7, field 'trace.file': trace file '${missing}' not found`;
    expectUserError(await drs(['validate', f]), want);
    expectUserError(await drs(['run', f, '--quiet']), want);
  });

  it("a pool source's node list: the line of pools.file", async () => {
    const f = tmpFile('s.yaml', `name: t\npools:\n  kind: alibaba-nodes\n  file: ${missing}\ntrace:\n  kind: alibaba-gpu\n  file: ${missing}\nstrategies: [first-fit]\n`);
    expectUserError(await drs(['validate', f]), `${f}:4, field 'pools.file': trace file '${missing}' not found`);
  });
});

describe("an agents workload's fleet file that is not there", () => {
  const SC = (fleet: string): string =>
    tmpFile('s.yaml', `name: t\nhorizon: 1h\npools:\n  - { name: a, capacity: { cpu: 8, memory: 32Gi }, nodes: 1, pricePerHour: 1 }\ntrace:\n  kind: agents\n  file: ${fleet}\n  start: 2026-06-01T08:00:00Z\nstrategies: [first-fit]\n`);

  it('names the scenario, the line of trace.file and where it looked (it named only the missing path: "nope.yaml: cannot read (ENOENT)")', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-fleet-'));
    const f = SC('nope.yaml');
    const want = `${f}:7, field 'trace.file': fleet file 'nope.yaml' not found (looked for ${path.join(path.dirname(f), 'nope.yaml')}; relative to the scenario's folder)`;
    expectUserError(await drs(['validate', f]), want);
    expectUserError(await drs(['run', f, '--quiet']), want);
    const folder = SC(dir);
    expectUserError(await drs(['validate', folder]), `${folder}:7, field 'trace.file': fleet file '${dir}' is a folder; name a file in it`);
  });
});

describe('an agents fleet file holding a list', () => {
  it("says a mapping was expected, naming the file (it said field '': expected an object)", async () => {
    const fleet = tmpFile('fleet.yaml', '- { agent_id: a }\n');
    const f = tmpFile('s.yaml', `name: t\nhorizon: 1h\npools:\n  - { name: a, capacity: { cpu: 8, memory: 32Gi }, nodes: 1, pricePerHour: 1 }\ntrace:\n  kind: agents\n  file: ${fleet}\n  start: 2026-06-01T08:00:00Z\nstrategies: [first-fit]\n`);
    const r = await drs(['validate', f]);
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: `drs validate: ${fleet}: expected a mapping with agents (and optionally config), got a list\n` });
  });
});
