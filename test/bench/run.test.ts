import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('npm run bench', () => {
  it('refuses a misspelt suite instead of running nothing and printing an empty table', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'kernal'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe("npm run bench: unknown suite 'kernal' (suites: kernel, placement, queue, replay; none runs them all)\n");
    expect(r.status).toBe(2);
  }, 30_000);
});

describe('bench/common.ts', () => {
  it('records the load average with the machine, since the figures are absolute', async () => {
    const { machine } = await import('../../bench/common.js');
    const m = machine() as { loadAverage: number[]; cpus: number };
    expect(m.loadAverage).toHaveLength(3);
    for (const x of m.loadAverage) expect(x).toBeGreaterThanOrEqual(0);
    expect(m.cpus).toBeGreaterThan(0);
  });
});
