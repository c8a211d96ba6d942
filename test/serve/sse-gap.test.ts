import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import type { EventRecord } from '../../src/scheduler/store.js';
import { ADMIN, TOKENS } from '../scheduler/helpers.js';

/**
 * A stream resumed after events the log no longer keeps (pruned past EVENT_RETENTION) starts with
 * an `event: gap` notice naming the ids it cannot replay, whatever id it resumes after: before,
 * a client resuming after 0 (`Last-Event-ID: 0`, `?after=0`: "everything") got no notice and could
 * not tell that the replay did not start at the beginning.
 */
class PrunedStore extends MemoryStore {
  /** Events below this id are gone, as if pruned. */
  keptFrom = 1;
  override async readEvents(afterId: number, limit: number): Promise<EventRecord[]> {
    return super.readEvents(Math.max(afterId, this.keptFrom - 1), limit);
  }
}

/** The stream's text until it holds `until` (bounded). */
async function streamText(url: string, after: number, until: string): Promise<string> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 10_000);
  let text = '';
  try {
    const res = await fetch(`${url}/v1/events?after=${after}`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: ctl.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    while (!text.includes(until)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
  } catch {
    // aborted: return what came
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return text;
}

describe('GET /v1/events after pruned events', () => {
  it.each([0, 2])('starts with a gap notice for the ids it cannot replay (after=%i)', async (after) => {
    const store = new PrunedStore();
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 64 }, nodes: 4 }] });
    for (let i = 0; i < 8; i++) s.allocate({ id: `a${i}`, tenant: 'team-a', units: 1 });
    await s.durable();
    store.keptFrom = 5;
    const srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler: s });
    try {
      const text = await streamText(srv.url, after, `id: ${s.lastEventId}\n`);
      const gap = /event: gap\ndata: (.*)\n/.exec(text);
      expect(gap?.[1] !== undefined ? JSON.parse(gap[1]) : undefined).toMatchObject({ from: after + 1, to: 4 });
      expect(text.indexOf('event: gap')).toBeLessThan(text.indexOf('id: 5\n'));
      expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([5, 6, 7, 8, 9]);
    } finally {
      await srv.close();
    }
  });
});
