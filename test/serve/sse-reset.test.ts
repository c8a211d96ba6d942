import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import { PrunedStore, streamText, textStream } from './sse-helpers.js';
import { ADMIN, TEAM_A, TOKENS } from '../scheduler/helpers.js';

/**
 * A stream resumed with a `Last-Event-ID` ahead of the server's newest event (its store was reset
 * or restored from an older backup, or the client spoke to another deployment) gets an
 * `event: reset` notice and the log from its start. Before, the server waited for ids above the
 * client's and never delivered the events it emitted up to that id.
 */
const ids = (text: string): number[] => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
const notice = (text: string, type: string): unknown => {
  const m = new RegExp(`event: ${type}\\ndata: (.*)\\n`).exec(text);
  return m?.[1] !== undefined ? JSON.parse(m[1]) : undefined;
};

/**
 * The stream's first line. The server writes it after it compared the client's id with its newest
 * one and, in the same step, subscribes to new events: once it has come, an event made by the
 * test is live (not part of the replay, and not counted as the newest id).
 */
const SET_UP = 'retry: 1000\n\n';

function scheduler(store = new MemoryStore()): ResourceScheduler {
  return new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 64 }, nodes: 4 }] });
}

describe('GET /v1/events with a Last-Event-ID ahead of the log', () => {
  it('sends a reset notice, replays the log from its start, then goes on live', async () => {
    const s = scheduler();
    for (let i = 0; i < 3; i++) s.allocate({ id: `a${i}`, tenant: 'team-a', units: 1 });
    await s.durable();
    const newest = s.lastEventId;
    expect(newest).toBeGreaterThan(0);
    const srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler: s });
    try {
      const stream = textStream(srv.url, '', { authorization: `Bearer ${ADMIN}`, 'last-event-id': '50' });
      let text: string;
      try {
        await stream.until(SET_UP); // the server compared the id with its newest one: the next event is live
        s.allocate({ id: 'live', tenant: 'team-a', units: 1 });
        text = await stream.until(`id: ${newest + 1}\n`);
      } finally {
        stream.close();
      }
      expect(notice(text, 'reset')).toMatchObject({ after: 50, lastEventId: newest });
      expect(text.indexOf('event: reset')).toBeLessThan(text.indexOf('id: 1\n'));
      expect(text).toContain('id: 0\nevent: reset\n');
      // Nothing lost, nothing twice: the whole log, then the live event.
      expect(ids(text)).toEqual([0, ...Array.from({ length: newest + 1 }, (_, i) => i + 1)]);
    } finally {
      await srv.close();
    }
  });

  it('sends the gap notice too when the start of the log was pruned (?after=, tenant token)', async () => {
    const store = new PrunedStore();
    const s = scheduler(store);
    for (let i = 0; i < 6; i++) s.allocate({ id: `a${i}`, tenant: 'team-a', units: 1 });
    await s.durable();
    store.keptFrom = 4;
    const srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler: s });
    try {
      const text = await streamText(srv.url, `?after=${s.lastEventId + 1}`, { authorization: `Bearer ${TEAM_A}` }, `id: ${s.lastEventId}\n`);
      expect(notice(text, 'reset')).toMatchObject({ after: s.lastEventId + 1, lastEventId: s.lastEventId });
      expect(notice(text, 'gap')).toMatchObject({ from: 1, to: 3 });
      expect(text.indexOf('event: reset')).toBeLessThan(text.indexOf('event: gap'));
      expect(ids(text)).toEqual([0, ...Array.from({ length: s.lastEventId - 3 }, (_, i) => i + 4)]);
    } finally {
      await srv.close();
    }
  });

  it('sends no reset notice when the id is the newest one (nothing to replay, nothing ahead)', async () => {
    const s = scheduler();
    s.allocate({ id: 'a', tenant: 'team-a', units: 1 });
    await s.durable();
    const newest = s.lastEventId;
    const srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler: s });
    try {
      const stream = textStream(srv.url, '', { authorization: `Bearer ${ADMIN}`, 'last-event-id': String(newest) });
      let text: string;
      try {
        await stream.until(SET_UP); // compared while `newest` was still the newest id
        s.allocate({ id: 'b', tenant: 'team-a', units: 1 });
        text = await stream.until(`id: ${newest + 1}\n`);
      } finally {
        stream.close();
      }
      expect(text).not.toContain('event: reset');
      expect(ids(text)).toEqual([newest + 1]);
    } finally {
      await srv.close();
    }
  });
});
