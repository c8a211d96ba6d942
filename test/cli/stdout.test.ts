import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stdoutFailure } from '../../src/cli/main.js';
import { ROOT } from './helpers.js';

/** A failing standard output ends the CLI in one line (or quietly for a closed pipe), never with Node's stack trace. */
describe('standard output that fails', () => {
  it('a reader that went away (EPIPE) ends the run quietly; anything else is one line and exit 1', () => {
    expect(stdoutFailure(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toEqual({ code: 0 });
    expect(stdoutFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toEqual({ code: 1, message: 'drs: cannot write to standard output: ENOSPC (no space left on the device)\n' });
    expect(stdoutFailure(Object.assign(new Error('io'), { code: 'EIO' })).message).toBe('drs: cannot write to standard output: EIO\n');
  });

  it.skipIf(!existsSync('/dev/full'))('drs list > /dev/full: one line on stderr, exit 1', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))}); process.exitCode = await m.main(['list']);`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.stderr).toBe('drs: cannot write to standard output: ENOSPC (no space left on the device)\n');
      expect(r.status).toBe(1);
    } finally {
      closeSync(full);
    }
  });
});
