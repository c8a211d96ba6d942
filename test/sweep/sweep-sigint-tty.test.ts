import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_ROOT } from '../support/data.js';

/**
 * drs sweep on a terminal draws a progress bar that hides the cursor. Ctrl-C while it ran killed
 * the process with the cursor still hidden: the user's shell was left without one (`reset` to get
 * it back). Driven here through a real pseudo-terminal (util-linux `script`), Ctrl-C typed as ^C.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-sigint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';

describe.skipIf(!hasScript)('drs sweep interrupted on a terminal', () => {
  it('shows the cursor again and ends by the signal', async () => {
    const scenario = path.resolve(import.meta.dirname, '../../scenarios/default.yaml');
    // Enough cells that the sweep is still running when ^C is typed (it ends once typed).
    writeFileSync(path.join(dir, 'sweep.yaml'), `scenario: ${scenario}\nstrategies: [first-fit, worst-fit]\nseeds: 200\nset:\n  horizon: 10m\n  trace.horizon: 10m\n  failures: { events: [{ at: 4m, pool: h100, count: 1, repairAfter: 3m }] }\n`);
    const script = path.resolve(import.meta.dirname, 'worker-process.ts');
    const cmd = [process.execPath, '--import', 'tsx', script, 'sweep', path.join(dir, 'sweep.yaml'), '--workers', '1', '--fresh', '--results', path.join(dir, 'res')].map((a) => `'${a}'`).join(' ');
    const term = spawn('script', ['-qefc', cmd, '/dev/null'], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT, TERM: 'xterm' } });
    let out = '';
    const exit = new Promise<number | null>((resolve) => term.on('exit', (code) => resolve(code)));
    // Typed once the bar is drawn (a cell has finished and the bar moved past 0).
    await new Promise<void>((resolve, reject) => {
      term.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/cells \[.*\] [1-9]\d*\/400/.test(out)) resolve();
      });
      void exit.then(() => reject(new Error(`ended before the bar was drawn: ${out}`)));
    });
    term.stdin.write('\x03');
    // Still running 30 s after ^C (the signal swallowed: the sweep goes on to its end): killed.
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exit, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 30_000)))]);
    clearTimeout(timer);
    if (code === 'hung') term.kill('SIGKILL'); // its terminal closes: the sweep gets SIGHUP
    expect(code).toBe(130); // 128 + SIGINT: it ended by the signal, before the sweep's end
    expect(out).toContain(HIDE);
    expect(out.lastIndexOf(SHOW), 'the cursor is shown after it was hidden').toBeGreaterThan(out.lastIndexOf(HIDE));
  }, 120_000);
});
