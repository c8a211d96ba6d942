import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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

  it('a reader that went away does not cost the files asked for: drs run --json --html | head', async () => {
    // The EPIPE handler used to exit at once: out.json was left empty (or missing), exit code 0.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-epipe-'));
    try {
      const scen = path.join(dir, 's.yaml');
      writeFileSync(scen, 'name: epipe\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: synthetic, count: 200, arrival: { rate: 1 }, profiles: [{ name: p, demand: { cpu: 1 } }] }\nstrategies: [first-fit, worst-fit]\n');
      const json = path.join(dir, 'out.json');
      const html = path.join(dir, 'out.html');
      const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))}); process.exitCode = await m.main(${JSON.stringify(['run', scen, '--quiet', '--json', json, '--html', html])});`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before the table is printed
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, err).toBe(0);
      expect(err).toContain(`results written to ${json}`);
      expect(err).toContain(`report written to ${html}`);
      const out = JSON.parse(readFileSync(json, 'utf8')) as { results: { strategy: string }[] };
      expect(out.results.map((r) => r.strategy)).toEqual(['first-fit', 'worst-fit']);
      expect(readFileSync(html, 'utf8')).toContain('</html>');

      // Standard error gone too (2>&1 | head): it was an unhandled EPIPE, exit 1, before the HTML.
      rmSync(json);
      rmSync(html);
      const both = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      both.stdout.destroy();
      both.stderr.destroy();
      expect(await new Promise<number | null>((resolve) => both.on('close', resolve))).toBe(0);
      expect((JSON.parse(readFileSync(json, 'utf8')) as { results: unknown[] }).results).toHaveLength(2);
      expect(readFileSync(html, 'utf8')).toContain('</html>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

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
