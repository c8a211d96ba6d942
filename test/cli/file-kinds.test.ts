import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from './helpers.js';

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
