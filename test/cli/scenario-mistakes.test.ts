import { describe, expect, it } from 'vitest';
import { drs, editedFile, expectUserError, tmpFile } from './helpers.js';

/*
 * Scenario values that were accepted but make a run that measures nothing: each is now refused at
 * its line, with what was expected, exit 2.
 */

const SCENARIO = `name: t
seed: 1
horizon: 10m
pools:
  - { name: a, capacity: { cpu: 8, memory: 32Gi }, nodes: 2, pricePerHour: 1 }
trace:
  kind: synthetic
  horizon: 10m
  arrival: { rate: 0.5 }
  profiles:
    - { name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: exponential, mean: 60 } }
strategies: [first-fit]
`;

/** The small scenario with one replacement, in a temp file. */
const scenario = (from: string, to: string): string => editedFile(SCENARIO, from, to);

describe('a scenario horizon of 0', () => {
  it('is refused at its line: the run stopped at t=0 and printed a table of zero requests, exit 0', async () => {
    const f = scenario('horizon: 10m\npools', 'horizon: 0\npools');
    expectUserError(await drs(['validate', f]), `${f}:3, field 'horizon': expected a duration > 0`);
    const r = await drs(['run', f, '--quiet']);
    expectUserError(r, `${f}:3, field 'horizon': expected a duration > 0`);
    expect(r.out).toBe('');
  });

  it('"0s" and "0m" too; a short horizon is still a horizon', async () => {
    for (const zero of ['0s', '0m']) {
      const f = scenario('horizon: 10m\npools', `horizon: ${zero}\npools`);
      expectUserError(await drs(['validate', f]), `${f}:3, field 'horizon': expected a duration > 0`);
    }
    const short = scenario('horizon: 10m\npools', 'horizon: 1s\npools');
    expect((await drs(['validate', short])).code).toBe(0);
  });

  it('set by a sweep', async () => {
    const sweep = tmpFile('sw.yaml', `scenario: ${tmpFile('s.yaml', SCENARIO)}\nseeds: 1\nset:\n  horizon: 0\n`);
    expectUserError(await drs(['sweep', sweep, '--workers', '0', '--quiet']), `${sweep}:4, field 'set.horizon': expected a duration > 0`);
  });
});

describe('huge numbers', () => {
  it('an unquoted 1e400 (YAML reads Infinity) where a quantity goes says it got Infinity, not that a number was expected', async () => {
    // It said "expected a number or a string", of a number.
    for (const [inf, shown] of [['1e400', 'Infinity'], ['.inf', 'Infinity'], ['-.inf', '-Infinity'], ['.nan', 'NaN']]) {
      const f = scenario('cpu: 8,', `cpu: ${inf},`);
      expectUserError(await drs(['validate', f]), `${f}:5, field 'pools[0].capacity.cpu': expected a finite number or a string, got ${shown} (see docs/scenarios.md)`);
    }
  });

  it('a node count beyond 2^53 names the limit of nodes per pool, not the largest exact integer', async () => {
    // It said "expected a value ≤ 9007199254740991"; the next try (9007199254740990) was refused as over 1,000,000.
    for (const huge of ['1e16', '1e300', '{ initial: 1, max: 1e16 }']) {
      const f = scenario('nodes: 2,', `nodes: ${huge},`);
      const field = huge.startsWith('{') ? 'pools[0].nodes.max' : 'pools[0].nodes';
      expectUserError(await drs(['validate', f]), `${f}:5, field '${field}': expected at most 1,000,000 nodes per pool`);
    }
  });
});
