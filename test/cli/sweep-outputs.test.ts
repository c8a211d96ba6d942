import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drs } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TRACE = 'id,arrival,duration,cpu,mem\nj1,0,10,1,1\nj2,5,10,2,1\n';
writeFileSync(path.join(dir, 'jobs.csv'), TRACE);
writeFileSync(
  path.join(dir, 'scenario.yaml'),
  `name: outputs
units: { memory: Gi }
pools:
  - { name: small, capacity: { cpu: 8, memory: 32 }, nodes: 2, pricePerHour: 0.4 }
trace:
  kind: csv
  file: ./jobs.csv
  columns: { id: id, arrival: arrival, duration: duration, demand: { cpu: cpu, memory: mem } }
strategies: [first-fit, worst-fit]
`,
);
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: scenario.yaml\nseeds: 2\n');

/**
 * drs sweep refuses an output naming a file its cells read, as drs run does (45ac4e4): `--json
 * jobs.csv` ran the sweep and then replaced the trace with the results (and the next resume found
 * every cell's trace changed).
 */
describe('drs sweep outputs', () => {
  it('refuse the trace file the scenario reads, before anything runs', async () => {
    const trace = path.join(dir, 'jobs.csv');
    for (const flag of ['--json', '--html']) {
      const r = await drs(['sweep', path.join(dir, 'sweep.yaml'), '--workers', '0', '--quiet', '--results', path.join(dir, 'cells'), flag, trace]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(`${flag} ${trace}: is a file this command reads; writing it would destroy it`);
      expect(readFileSync(trace, 'utf8')).toBe(TRACE);
    }
    const ok = await drs(['sweep', path.join(dir, 'sweep.yaml'), '--workers', '0', '--quiet', '--results', path.join(dir, 'cells'), '--json', path.join(dir, 'out.json')]);
    expect(ok.code, ok.err).toBe(0);
  });
});
