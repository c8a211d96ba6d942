import { describe, expect, it } from 'vitest';
import { drs, expectUserError, type Ran, tmpFile } from './helpers.js';

/*
 * YAML aliases that cannot be resolved, in every YAML file a drs command reads: an alias to an
 * anchor that is not set before it (a typo, or the anchor below its use), an alias inside the
 * node it names (a structure that contains itself), and aliases nested so deep that they expand
 * exponentially ("billion laughs"). The parser throws a ReferenceError (or the readers recurse
 * without end) when the document is converted: each was a stack trace and exit 1. Each is now
 * one line naming the file and the line of the alias, exit 2.
 */

const SCENARIO = `name: t
horizon: 10m
pools:
  - &a { name: a, capacity: { cpu: 8, memory: 32Gi }, nodes: 2, pricePerHour: 1 }
trace:
  kind: synthetic
  horizon: 10m
  arrival: { rate: 0.1 }
  profiles:
    - { name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: exponential, mean: 60 } }
strategies: [first-fit]
`;

/** Ten levels of ten aliases each: 10^4 nodes from 40 lines. */
const LAUGHS = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;

/** A user error on one line. */
function userError(r: Ran, ...parts: string[]): void {
  expectUserError(r, ...parts);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}

describe('YAML aliases that cannot be resolved', () => {
  it('drs validate and drs run: an alias to an anchor never set names the alias and its line', async () => {
    const f = tmpFile('s.yaml', SCENARIO.replace('nodes: 2,', 'nodes: *two,'));
    const want = `${f}:4: invalid YAML: the alias *two names no anchor set before it (set &two on an earlier node, or check the spelling)`;
    userError(await drs(['validate', f]), want);
    userError(await drs(['run', f, '--quiet']), want);
  });

  it('an alias used before (above) its anchor is named the same way', async () => {
    const f = tmpFile('s.yaml', SCENARIO.replace('strategies: [first-fit]', 'strategies: [*s]\nx: &s first-fit'));
    userError(await drs(['validate', f]), `${f}:11: invalid YAML: the alias *s names no anchor set before it`);
  });

  it('an alias inside the node it names is a structure that holds itself: refused at the alias', async () => {
    const f = tmpFile('s.yaml', SCENARIO.replace('strategies: [first-fit]', 'strategies: &s\n  - first-fit\n  - *s'));
    userError(await drs(['validate', f]), `${f}:13: invalid YAML: the alias *s is inside the node anchored &s, which would then contain itself`);
  });

  it('aliases that expand exponentially are refused, not expanded', async () => {
    const f = tmpFile('s.yaml', SCENARIO + LAUGHS);
    userError(await drs(['validate', f]), `${f}: invalid YAML: its aliases expand to too many copies`);
  });

  it('a sweep file', async () => {
    const s = tmpFile('s.yaml', SCENARIO);
    const f = tmpFile('sw.yaml', `scenario: ${s}\nseeds: *n\n`);
    userError(await drs(['sweep', f, '--workers', '0', '--quiet']), `${f}:2: invalid YAML: the alias *n names no anchor set before it`);
    const laughs = tmpFile('sw.yaml', `scenario: ${s}\nseeds: 1\n${LAUGHS}`);
    userError(await drs(['sweep', laughs, '--workers', '0', '--quiet']), `${laughs}: invalid YAML: its aliases expand to too many copies`);
  });

  it('a serve config', async () => {
    const f = tmpFile('c.yaml', 'tokens:\n  - { tokenEnv: T, admin: true }\nport: *p\n');
    userError(await drs(['serve', '--config', f], { T: 'x'.repeat(20) }), `${f}:3: invalid YAML: the alias *p names no anchor set before it`);
  });

  it('a training config', async () => {
    const f = tmpFile('t.yaml', 'kind: *k\nname: x\n');
    userError(await drs(['train', f]), `${f}:1: invalid YAML: the alias *k names no anchor set before it`);
    const laughs = tmpFile('t.yaml', `kind: queue\nname: x\n${LAUGHS}`);
    userError(await drs(['train', laughs]), `${laughs}: invalid YAML: its aliases expand to too many copies`);
  });

  it("an agents fleet file a scenario's trace names", async () => {
    const fleet = tmpFile('fleet.yaml', 'agents:\n  - { agent_id: a, cpu: 1, memory: 1Gi, duration: *d, pool: a, schedule: { every: 1m } }\n');
    const f = tmpFile('s.yaml', SCENARIO.replace(/trace:[\s\S]*strategies/, `trace:\n  kind: agents\n  file: ${fleet}\n  start: 2026-06-01T08:00:00Z\nstrategies`));
    userError(await drs(['validate', f]), `${fleet}:2: invalid YAML: the alias *d names no anchor set before it`);
  });
});
