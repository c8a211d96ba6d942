import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/local.js';
import { runSweepQueue, startQueueWorker } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { queueTestFile, REDIS_URL } from './redis.js';

/**
 * A worker whose data root lacks the trace a cell reads: the file may be on another worker, so
 * the cell must not fail (bad input fails at once, with no retry): it goes back to the queue
 * unspent, this worker stops, and a worker that has the file runs it.
 */
const { dir, name, redis } = queueTestFile('queue-missing');
const withData = path.join(dir, 'data');
const without = path.join(dir, 'empty');

mkdirSync(withData);
mkdirSync(without);
writeFileSync(path.join(withData, 'mini.csv'), 'id,t,d,c\na,0,10,2\nb,1,10,3\nc,2,5,1\n');
writeFileSync(
  path.join(dir, 'sc.yaml'),
  'name: missing\nhorizon: 60s\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]\n' +
    'trace: { kind: csv, file: mini.csv, columns: { id: id, arrival: t, duration: d, demand: { cpu: c } } }\nstrategies: [first-fit]\n',
);
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: ./sc.yaml\nseeds: [1]\n');

describe('a queue worker that lacks a cell input file', () => {
  it('puts the cell back unspent and stops; a worker with the file completes it', async () => {
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), withData);
    const said: string[] = [];
    let stopped = (): void => undefined;
    const refused = new Promise<void>((r) => (stopped = r));
    const lacking = await startQueueWorker({ url: REDIS_URL, name, dataRoot: without, concurrency: 1, onRefused: (_c, why) => (said.push(why), stopped()) });
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 60_000 });
    await refused;
    await lacking.close();
    expect(said[0]).toMatch(/^this worker lacks an input file: .*sc\.yaml.*field 'trace\.file'.*trace file 'mini\.csv' not found \(looked for .*empty\/mini\.csv; data root: .*empty/);
    const q = new Queue(name, { connection: redis() });
    try {
      const [cell] = plan.cells;
      const job = await q.getJob(cell?.hash as string);
      expect([await job?.getState(), job?.attemptsMade]).toEqual(['waiting', 0]);
      const good = await startQueueWorker({ url: REDIS_URL, name, dataRoot: withData, concurrency: 1 });
      try {
        const res = await sweep;
        expect([...res.values()].map((r) => r.state)).toEqual(['completed']);
      } finally {
        await good.close();
      }
    } finally {
      await q.close();
    }
  }, 120_000);
});
