/**
 * The cursor contract through the HTTP API of a PostgreSQL leader: a client paging
 * `GET /v1/audit` with `nextCursor`, and an event stream resumed with `Last-Event-ID`, get every
 * record once, in order. Before the fix both lost records whenever positions crossed a power of
 * ten (the store's pages were in text order: '10' before '2'; see pg-cursors.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { startServer } from '../../src/scheduler/http.js';
import { ADMIN, TEAM_A, TOKENS, call } from '../scheduler/helpers.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';
import { openStream, until } from './sse-client.js';

let db: FreshDatabase | undefined;
usePgDatabase('cursorshttp', 'the PostgreSQL HTTP cursor test', (d) => (db = d));

describe('PostgreSQL leader: paging by position over HTTP', () => {
  it('GET /v1/audit pages and a resumed event stream show every record once, in order', async () => {
    if (db === undefined) return;
    const config: ServeConfig = { tokens: TOKENS, postgres: { url: db.url, pollIntervalMs: 100 }, pools: [{ name: 'p', capacity: { cpu: 64, memory: 256 }, nodes: 1 }] };
    const server = await startServer({ ...config, port: 0 });
    try {
      await server.whenLeader;
      const n = 30;
      for (let i = 0; i < n; i++) {
        const r = await call(server.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: `w${i}`, demand: { cpu: 1 } } });
        expect(r.status).toBe(201);
      }
      // The audit log, 7 a page.
      const targets: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 100; page++) {
        const r = await call(server.url, 'GET', `/v1/audit?limit=7${cursor !== null ? `&cursor=${cursor}` : ''}`, { token: ADMIN });
        expect(r.status).toBe(200);
        const body = r.body as { audit: { seq: number; target: string }[]; nextCursor: string | null };
        targets.push(...body.audit.map((a) => a.target));
        cursor = body.nextCursor;
        if (cursor === null) break;
      }
      expect(targets).toEqual(Array.from({ length: n }, (_, i) => `team-a~w${i}`));
      // The event log from the start (as a client resuming after event 0 would).
      const last = server.scheduler.lastEventId;
      expect(last).toBeGreaterThanOrEqual(n);
      const stream = openStream(server.url, ADMIN, 0);
      await until(() => stream.events.length >= last || stream.events.some((e) => e.id === last), 10_000, 'the replay');
      stream.close();
      expect(stream.events.map((e) => e.id)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    } finally {
      await server.close();
    }
  }, 60_000);
});
