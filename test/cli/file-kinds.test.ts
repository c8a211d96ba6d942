import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError, parseBody } from '../../src/scheduler/http/errors.js';
import { drs, expectUserError, ROOT, tmpFile } from './helpers.js';

/*
 * Each kind of config file (serve config, sweep file) is held to what scenario and training
 * configs already give: an empty file refused in one line, errors at file:line and field, and a
 * pointer to the file kind's own doc. Every file is written to a temp folder.
 */

describe('drs serve --config', () => {
  it('an empty or comment-only config is refused in one line naming it, not a service that refuses every request', async () => {
    for (const text of ['', '# only a comment\n\n']) {
      const f = tmpFile('serve.yaml', text);
      const r = await drs(['serve', '--config', f, '--port', '0']);
      expectUserError(r, `drs serve: ${f}: the file is empty or holds only comments: expected a serve config`);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('a file that is not there, or is a folder', () => {
  it('drs serve --config and drs pack say so in words, as drs run does, not an errno code', async () => {
    const dir = path.dirname(tmpFile('x', ''));
    const missing = path.join(dir, 'nosuch.yaml');
    expectUserError(await drs(['serve', '--config', missing, '--port', '0']), `drs serve: ${missing}: config file not found\n`);
    expectUserError(await drs(['serve', '--config', dir, '--port', '0']), `drs serve: ${dir}: is a folder, not a config file\n`);
    const txt = path.join(dir, 'nosuch.txt');
    expectUserError(await drs(['pack', txt]), `drs pack: ${txt}: bin-packing file not found\n`);
    expectUserError(await drs(['pack', dir]), `drs pack: ${dir}: is a folder, not a bin-packing file\n`);
    expectUserError(await drs(['run', missing]), `drs run: ${missing}: scenario file not found\n`);
  });
});

describe('a value matching none of the accepted forms points to the doc of its file kind', () => {
  it('a serve config and an HTTP body: docs/serve.md', async () => {
    const f = tmpFile('serve.yaml', 'tokens: [{ token: abcdefghijklmnopqrstuv, admin: true }]\nqueue: priority\n');
    const r = await drs(['serve', '--config', f, '--port', '0']);
    expectUserError(r, `${f}:2, field 'queue': expected false or an object (see docs/serve.md)`);
    expect(r.err).not.toContain('scenarios.md');
    let body: unknown;
    try {
      parseBody(z.object({ queue: z.union([z.literal(false), z.object({})]) }), { queue: 'priority' });
    } catch (e) {
      body = e;
    }
    expect(body).toBeInstanceOf(HttpError);
    expect((body as HttpError).message).toBe('queue: expected false or an object (see docs/serve.md)');
  });

  it('a sweep file: docs/sweeps.md; a scenario keeps docs/scenarios.md', async () => {
    const f = tmpFile('sweep.yaml', `scenario: ${ROOT}/scenarios/default.yaml\nseeds: abc\n`);
    const r = await drs(['sweep', f, '--workers', '0', '--quiet']);
    expectUserError(r, `field 'seeds': expected a number or an array (see docs/sweeps.md)`);
    expect(r.err).not.toContain('scenarios.md');
    const sc = tmpFile('s.yaml', 'name: t\npools: 3\n');
    expectUserError(await drs(['validate', sc]), '(see docs/scenarios.md)');
  });
});

describe('a sweep file error names its line', () => {
  const sweep = (body: string): string => tmpFile('sweep.yaml', `name: s\nscenario: ${ROOT}/scenarios/default.yaml\n${body}`);
  const refused = async (body: string, line: number, rest: string): Promise<void> => {
    const f = sweep(body);
    expectUserError(await drs(['sweep', f, '--workers', '0', '--quiet']), `${f}:${line}, ${rest}`);
  };

  it('schema errors, unknown keys and repeats, at the line that has them', async () => {
    await refused('seeds:\n  - 1\n  - 2.5\n', 5, "field 'seeds[1]': expected an integer or a string");
    await refused('bogus: 1\n', 3, "field 'bogus': unknown key 'bogus'");
    await refused('strategies: [first-fit, best-fit-decreasing,\n  first-fit]\n', 4, "field 'strategies': strategy 'first-fit' is listed twice");
    await refused('axes:\n  horizon: [10m]\n  pools[0].nodes: [2, 2]\n', 5, "field 'axes.pools[0].nodes': the value 2 is given twice");
    await refused('set:\n  horizon: 10m\n  seed: 7\n', 5, "field 'set.seed': the scenario's seed is each cell's seed");
    await refused('seeds: [1, 2, 1]\n', 3, "field 'seeds': seed 1 is listed twice");
  });

  it('errors found against the scenario, at the axis, set or strategies line', async () => {
    await refused('axes:\n  horizon: [10m]\n  pools[7].nodes: [1, 2]\n', 5, "field 'axes.pools[7].nodes': the scenario has no item 'pools[7]' (it has 3)");
    await refused('set:\n  horizon: 10m\n  pools[0]..nodes: 3\n', 5, "field 'set.pools[0]..nodes': 'pools[0]..nodes' is not a field path");
    await refused('seeds: 1\nstrategies: [best-fitt]\n', 4, "field 'strategies': strategy 'best-fitt' is not in the scenario");
    const f = tmpFile('sweep.yaml', 'name: s\nscenario: nope.yaml\n');
    expectUserError(await drs(['sweep', f]), `${f}:2, field 'scenario': ${path.join(path.dirname(f), 'nope.yaml')}: scenario file not found`);
  });

  it('an empty or comment-only sweep file is refused in one line naming it', async () => {
    const f = tmpFile('sweep.yaml', '# nothing yet\n');
    const r = await drs(['sweep', f]);
    expectUserError(r, `drs sweep: ${f}: the file is empty or holds only comments: expected a sweep file`);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
