import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/scheduler/http.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { PrunedStore, streamText } from './sse-helpers.js';
import { ADMIN, TOKENS } from '../scheduler/helpers.js';

/**
 * A stream resumed after events the log no longer keeps (pruned past EVENT_RETENTION) starts with
 * an `event: gap` notice naming the ids it cannot replay, whatever id it resumes after: before,
 * a client resuming after 0 (`Last-Event-ID: 0`, `?after=0`: "everything") got no notice and could
 * not tell that the replay did not start at the beginning.
 */
describe('GET /v1/events after pruned events', () => {
  it.each([0, 2])('starts with a gap notice for the ids it cannot replay (after=%i)', async (after) => {
    const store = new PrunedStore();
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 64 }, nodes: 4 }] });
    for (let i = 0; i < 8; i++) s.allocate({ id: `a${i}`, tenant: 'team-a', units: 1 });
    await s.durable();
    store.keptFrom = 5;
    const srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler: s });
    try {
      const text = await streamText(srv.url, `?after=${after}`, { authorization: `Bearer ${ADMIN}` }, `id: ${s.lastEventId}\n`);
      const gap = /event: gap\ndata: (.*)\n/.exec(text);
      expect(gap?.[1] !== undefined ? JSON.parse(gap[1]) : undefined).toMatchObject({ from: after + 1, to: 4 });
      expect(text.indexOf('event: gap')).toBeLessThan(text.indexOf('id: 5\n'));
      expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([5, 6, 7, 8, 9]);
    } finally {
      await srv.close();
    }
  });
});
