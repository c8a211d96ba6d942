import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import type { EventRecord } from '../../src/scheduler/store.js';
import { TEAM_A, TOKENS } from '../scheduler/helpers.js';
import { openStream, until } from './sse-client.js';

/**
 * GET /v1/events replays the backlog from the store, then goes live. Events committed while the
 * backlog is being read must reach the stream exactly once, whichever way the read falls: a
 * read whose snapshot predates those commits (PostgreSQL's READ COMMITTED: the statement sees
 * what was committed when it started) must not lose them, and one that already sees them must
 * not repeat them. The backlog read is held open here while allocations commit, which makes
 * both interleavings certain instead of a matter of machine load.
 */
class GatedStore extends MemoryStore {
  /** `before`: the read's result is what was committed when it started; `after`: when it returns. */
  snapshot: 'before' | 'after' = 'before';
  private open: () => void = () => {};
  private gate: Promise<void> | undefined;
  reading: Promise<void> = Promise.resolve();
  private started: () => void = () => {};

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
    this.reading = new Promise((r) => (this.started = r));
  }

  release(): void {
    this.gate = undefined;
    this.open();
  }

  override async readEvents(afterId: number, limit: number): Promise<EventRecord[]> {
    const gate = this.gate;
    if (gate === undefined) return super.readEvents(afterId, limit);
    const early = await super.readEvents(afterId, limit);
    this.started();
    await gate;
    return this.snapshot === 'before' ? early : super.readEvents(afterId, limit);
  }
}

describe('GET /v1/events while the backlog is read', () => {
  it.each(['before', 'after'] as const)('delivers events committed during the backlog read exactly once, in order (read snapshot %s those commits)', async (snapshot) => {
    const store = new GatedStore();
    store.snapshot = snapshot;
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 64 }, nodes: 4 }] });
    await s.durable();
    const srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler: s });
    try {
      expect(s.lastEventId).toBe(1); // pool-added
      store.hold();
      const stream = openStream(srv.url, TEAM_A, 0);
      expect(await stream.status).toBe(200);
      await store.reading; // the backlog read has its result ([1]) and waits
      for (let i = 0; i < 8; i++) expect(s.allocate({ id: `team-a~early-${i}`, tenant: 'team-a', units: 1 }).status).toBe('allocated');
      await s.durable(); // events 2-9 committed (and handed to live listeners) while the read is open
      store.release();
      for (let i = 0; i < 4; i++) s.allocate({ id: `team-a~late-${i}`, tenant: 'team-a', units: 1 });
      await s.durable();
      await until(() => (stream.events.at(-1)?.id ?? 0) >= 13, 5_000, 'event 13');
      stream.close();
      expect(stream.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
      expect(stream.events.slice(1, 9).map((e) => e.data.allocation.id)).toEqual(Array.from({ length: 8 }, (_, i) => `early-${i}`));
    } finally {
      await srv.close();
    }
  });
});
