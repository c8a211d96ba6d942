import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/*
 * A node failure at the instant a lease runs out (the simulator's rule, src/sim/replay.ts: work
 * that ended at t is done, a failure at t cannot evict it). One 4-cpu node, manual clock, no
 * timers: j holds the node with a 100 s lease; failNode at exactly 100 s, no tick in between.
 * Before: catchUp before an operation takes only what fell due strictly before now, so j was
 * 'lost' (requeued, and ran again after the repair); now it ends 'expired' and the failure loses
 * nothing. Work whose lease runs out later is still lost.
 */
async function make(): Promise<{ s: ResourceScheduler; t: { now: number }; log: string[] }> {
  const t = { now: 0 };
  const s = new ResourceScheduler({ dimensions: ['cpu'], clock: () => t.now, timers: false, pools: [{ name: 'a', capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1, latencyMs: 0 }], queue: { policy: 'fcfs', requeuePreempted: true } });
  await s.ready();
  const log: string[] = [];
  s.on('allocated', (e) => log.push(`${t.now} allocated ${e.allocation.id}`));
  s.on('expired', (e) => log.push(`${t.now} expired ${e.allocation.id}`));
  s.on('lost', (e) => log.push(`${t.now} lost ${e.allocation.id}`));
  s.on('node-failed', (e) => log.push(`${t.now} node-failed ${e.nodeId}`));
  return { s, t, log };
}

describe('failNode at the instant a lease runs out', () => {
  it('the lease ends expired; the failure loses nothing', async () => {
    const { s, t, log } = await make();
    s.allocate({ id: 'j', tenant: 't', priority: 'medium', demand: { cpu: 4 } }, 100_000);
    t.now = 100_000;
    const out = s.failNode('a', 0);
    expect(out.status).toBe('failed');
    expect(out.status === 'failed' ? out.lost : undefined).toEqual([]);
    expect(log).toEqual(['0 allocated j', '100000 expired j', '100000 node-failed 0']);
    s.checkInvariants();
    s.close();
  });

  it('a lease that runs out 1 ms later is lost to the failure', async () => {
    const { s, t, log } = await make();
    s.allocate({ id: 'j', tenant: 't', priority: 'medium', demand: { cpu: 4 } }, 100_001);
    t.now = 100_000;
    s.failNode('a', 0);
    expect(log).toEqual(['0 allocated j', '100000 lost j', '100000 node-failed 0']);
    s.close();
  });
});
