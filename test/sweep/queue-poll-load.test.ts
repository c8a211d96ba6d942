import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CellSpec } from '../../src/sweep/cell.js';
import type { SweepPlan } from '../../src/sweep/local.js';
import { runSweepQueue } from '../../src/sweep/queue.js';
import { privateRedis } from './redis.js';

/**
 * A queue submitter read the state of every pending cell every 250 ms: one BullMQ state script
 * per cell, each scanning the wait and active lists (LPOS), so a 10,000-cell sweep ran 10,000
 * of them per look and a look outlasted the interval (2,750 Redis commands/s measured). It now
 * reads the queue's job counts, and only when they change the sweep's cells' finished states
 * (ZMSCORE, 1,000 ids a command).
 */
const calls = (url: string, command: string): number => {
  const port = new URL(url).port;
  const m = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(execFileSync('redis-cli', ['-p', port, 'info', 'commandstats'], { encoding: 'utf8' }));
  return Number(m?.[1] ?? 0);
};

describe('a queue submitter waiting on a big sweep', () => {
  it('does not read every cell state at every look', async () => {
    const redis = await privateRedis();
    try {
      const n = 2000;
      const cells: CellSpec[] = Array.from({ length: n }, (_, i) => ({ hash: `c${String(i).padStart(63, '0')}`, code: 'x', point: {}, strategy: 's', seed: i, scenario: {}, scenarioFile: '/x' }));
      const plan = { spec: { name: 'big' }, cells } as unknown as SweepPlan;
      const before = calls(redis.url, 'lpos');
      const zmscores = calls(redis.url, 'zmscore');
      // No worker: every look finds the cells waiting, until the idle bound ends the sweep.
      const e = await runSweepQueue(plan, { url: redis.url, name: 'poll', pollMs: 50, idleTimeoutMs: 2_000 }).catch((x: unknown) => x);
      expect(String(e)).toMatch(/no cell finished for 2 s \(2000 of 2000 pending\)/);
      // The state script's list scans: at least one per cell and look before (tens of looks), none now.
      expect(calls(redis.url, 'lpos') - before).toBeLessThan(n);
      // Finished states read twice (completed, failed; 2 chunks of 1,000): before adding the jobs
      // (cells that failed before run again) and at the first look; the counts then never change.
      expect(calls(redis.url, 'zmscore') - zmscores).toBe(8);
    } finally {
      await redis.stop();
    }
  }, 120_000);
});
