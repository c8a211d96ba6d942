import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError, parseBody } from '../../src/scheduler/http/errors.js';
import { drs, ROOT, tmpFile } from './helpers.js';

/*
 * Each kind of config file (serve config, sweep file) is held to what scenario and training
 * configs already give: an empty file refused in one line, errors at file:line and field, and a
 * pointer to the file kind's own doc. Every file is written to a temp folder.
 */

/** Assert a user error: exit 2, no stack, containing every `parts`. */
function userError(r: { code: number; err: string }, ...parts: string[]): void {
  expect(r.code).toBe(2);
  expect(r.err).not.toMatch(/\n\s+at /);
  for (const p of parts) expect(r.err).toContain(p);
}

describe('drs serve --config', () => {
  it('an empty or comment-only config is refused in one line naming it, not a service that refuses every request', async () => {
    for (const text of ['', '# only a comment\n\n']) {
      const f = tmpFile('serve.yaml', text);
      const r = await drs(['serve', '--config', f, '--port', '0']);
      userError(r, `drs serve: ${f}: the file is empty or holds only comments: expected a serve config`);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('a value matching none of the accepted forms points to the doc of its file kind', () => {
  it('a serve config and an HTTP body: docs/serve.md', async () => {
    const f = tmpFile('serve.yaml', 'tokens: [{ token: abcdefghijklmnopqrstuv, admin: true }]\nqueue: priority\n');
    const r = await drs(['serve', '--config', f, '--port', '0']);
    userError(r, `${f}:2, field 'queue': expected false or an object (see docs/serve.md)`);
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
    userError(r, `field 'seeds': expected a number or an array (see docs/sweeps.md)`);
    expect(r.err).not.toContain('scenarios.md');
    const sc = tmpFile('s.yaml', 'name: t\npools: 3\n');
    userError(await drs(['validate', sc]), '(see docs/scenarios.md)');
  });
});
