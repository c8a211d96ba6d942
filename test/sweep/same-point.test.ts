import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { planSweep } from '../../src/sweep/local.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-same-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `name: same
units: { memory: Gi }
pools:
  - { name: a, capacity: { cpu: 8, memory: 32 }, nodes: 2, pricePerHour: 1 }
trace: { kind: synthetic, count: 20, arrival: { rate: 1 }, profiles: [{ name: j, demand: { cpu: 1, memory: 1 } }] }
strategies: [first-fit, worst-fit]
`;
writeFileSync(path.join(dir, 'scenario.yaml'), SCENARIO);

async function plan(body: string): Promise<Awaited<ReturnType<typeof planSweep>>> {
  const file = path.join(dir, 'sweep.yaml');
  writeFileSync(file, `scenario: scenario.yaml\nseeds: 2\n${body}`);
  return planSweep(await loadSweep(file), DATA_ROOT);
}

/**
 * Two points of a sweep that run one scenario are one point run twice: every cell of the second
 * has the hash of one of the first, so it ran again (or counted as cached before it ran: the
 * progress stopped at 4/8), and the table showed the same figures under two points. An axis
 * value given twice was refused only when its JSON text repeated.
 */
describe('sweep points that run the same scenario', () => {
  it('are refused when one axis lists a mapping twice with its keys in another order', async () => {
    const e = await plan('axes:\n  pools[0].labels: [{ zone: x, tier: y }, { tier: y, zone: x }]\n').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toContain(`sweep.yaml:4, field 'axes.pools[0].labels': the value {"tier":"y","zone":"x"} is given twice (one point, run twice)`);
  });

  it('are refused when a later axis sets a field that holds an earlier one (the earlier axis changes nothing)', async () => {
    const pool = '{ name: a, capacity: { cpu: 8, memory: 32 }, nodes: 3, pricePerHour: 1 }';
    const e = await plan(`axes:\n  pools[0].nodes: [1, 2]\n  pools[0]: [${pool}]\n`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/sweep\.yaml:4, field 'axes\.pools\[0\]\.nodes': its values 1 and 2 give the same scenario/);
    // The other order is a real sweep: the nodes axis sets its field inside each pool the first gives.
    const ok = await plan(`axes:\n  pools[0]: [${pool}]\n  pools[0].nodes: [1, 2]\n`);
    expect(new Set(ok.cells.map((c) => c.hash)).size).toBe(ok.cells.length);
    expect(ok.cells).toHaveLength(2 * 2 * 2);
  });
});
