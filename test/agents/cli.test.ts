import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, ROOT, tmpFile } from '../cli/helpers.js';

const FLEET = path.join(ROOT, 'scenarios/kos-fleet.yaml');

describe('drs run scenarios/kos-fleet.yaml', () => {
  it('runs every strategy over the day and writes byte-identical JSON for the same seed', async () => {
    const a = tmpFile('a.json', '');
    const b = tmpFile('b.json', '');
    const r1 = await drs(['run', FLEET, '--json', a]);
    expect(r1.code, r1.err).toBe(0);
    expect(r1.out).toMatch(/best-fit-decreasing\s+74\s+0\s+2/); // 84 runs: 74 done, 8 monitor crashes (expired), the 2 monitors still up at midnight
    expect(r1.out).toContain('note: best-fit-decreasing: 8 request(s) expired (a lease, a timeout or an agent crash ended them before the work was done)');
    const r2 = await drs(['run', FLEET, '--json', b]);
    expect(r2.code).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
  }, 60_000);

  it('a bad agent definition exits 2 with file, line and field', async () => {
    const bad = tmpFile('fleet.yaml', readFileSync(FLEET, 'utf8').replace("dependsOn: [feed_ingest]", 'dependsOn: [feed_ingestt]'));
    const r = await drs(['validate', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/fleet\.yaml:\d+, field 'trace\.registry\.agents\[3\]\.dependsOn\[0\]'.*unknown agent 'feed_ingestt'/);
  });
});
