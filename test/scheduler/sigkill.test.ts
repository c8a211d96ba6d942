import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { ADMIN, TEAM_A, TOKENS, call, listAll, spawnServer } from './helpers.js';

/**
 * Durability under kill -9: the service runs in a child process on a SQLite state file; a burst
 * of allocations (and some releases of acknowledged ones) is in flight when the process gets
 * SIGKILL. After a restart on the same file:
 *
 * - every allocation acknowledged with 2xx is there (unless the client also sent its release);
 * - no phantom: every allocation there has an id the client sent. A request that was sent but
 *   whose response was lost in the kill may or may not be there; both are correct.
 * - every release acknowledged with 2xx stays released.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-sigkill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drs serve survives SIGKILL', () => {
  it.each(['group', 'per-operation'] as const)('keeps every acknowledged allocation and invents none (durability: %s)', async (durability) => {
    const config: ServeConfig = {
      tokens: TOKENS,
      durability,
      stateFile: path.join(dir, `state-${durability}.sqlite`),
      pools: [{ name: 'p', capacity: { cpu: 64, memory: 256 }, nodes: 50 }],
    };
    const first = await spawnServer(config);
    const sent = new Set<string>();
    const acked = new Set<string>();
    const releaseSent = new Set<string>();
    const releaseAcked = new Set<string>();
    const TOTAL = 3000;
    const KILL_AFTER = 400;
    let next = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed = false;

    const kill = (): void => {
      if (killed) return;
      killed = true;
      inFlightAtKill = inFlight;
      first.child.kill('SIGKILL');
    };

    const worker = async (): Promise<void> => {
      while (!killed && next < TOTAL) {
        const i = next++;
        const id = `burst-${i}`;
        sent.add(id);
        inFlight++;
        try {
          const r = await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id, units: 1, durationMs: 3_600_000 } });
          if (r.status >= 200 && r.status < 300) acked.add(id);
          else throw new Error(`unexpected ${r.status} for ${id}: ${JSON.stringify(r.body)}`);
          if (i % 5 === 0) {
            releaseSent.add(id);
            const d = await call(first.url, 'DELETE', `/v1/allocations/${id}`, { token: TEAM_A });
            if (d.status === 200) releaseAcked.add(id);
          }
        } catch (e) {
          if (!killed) throw e; // before the kill every request must succeed
        } finally {
          inFlight--;
        }
        if (acked.size >= KILL_AFTER) kill();
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    const code = await first.exited;
    expect(killed).toBe(true);
    expect(code).toBeNull(); // killed by the signal, not a clean exit
    expect(inFlightAtKill).toBeGreaterThan(0); // the kill landed mid-burst
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);

    const second = await spawnServer(config);
    try {
      const restored = new Set<string>((await listAll(second.url, '/v1/allocations?state=allocated', TEAM_A)).map((a: { id: string }) => a.id));
      // A release sent but unanswered may or may not have happened, like an unanswered allocation.
      const missing = [...acked].filter((id) => !releaseSent.has(id) && !restored.has(id));
      const phantoms = [...restored].filter((id) => !sent.has(id));
      const resurrected = [...releaseAcked].filter((id) => restored.has(id));
      expect(missing).toEqual([]);
      expect(phantoms).toEqual([]);
      expect(resurrected).toEqual([]);
      // Capacity books agree with what was restored (1 cpu each).
      const pool = await call(second.url, 'GET', '/v1/pools/p', { token: ADMIN });
      expect(pool.body.allocated.cpu).toBe(restored.size);
      expect((await listAll(second.url, '/v1/allocations?state=allocated', ADMIN)).length).toBe(restored.size);
      // And the restarted service keeps working.
      expect((await call(second.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'after-restart', units: 1 } })).status).toBe(201);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('keeps every acknowledged queued request with its id, place and timeout; polling shows queued, then allocated or timed-out', async () => {
    const config: ServeConfig = {
      tokens: TOKENS,
      stateFile: path.join(dir, 'state-queue.sqlite'),
      queue: { policy: 'fcfs', timeoutMs: 600_000 },
      pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }],
    };
    const first = await spawnServer(config);
    expect((await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'holder', units: 4 } })).status).toBe(201);
    // One request that will time out soon after the restart.
    const short = await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'short', units: 1, queueTimeoutMs: 15_000 } });
    expect(short.status).toBe(202);
    const sent = new Set<string>(['holder', 'short']);
    const acked = new Map<string, number>(); // id -> timeoutAtMs
    const TOTAL = 400;
    const KILL_AFTER = 60;
    let next = 0;
    let killed = false;
    const worker = async (): Promise<void> => {
      while (!killed && next < TOTAL) {
        const id = `q-${next++}`;
        sent.add(id);
        try {
          const r = await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id, units: 1 } });
          if (r.status !== 202) throw new Error(`unexpected ${r.status} for ${id}: ${JSON.stringify(r.body)}`);
          acked.set(id, r.body.timeoutAtMs as number);
        } catch (e) {
          if (!killed) throw e;
        }
        if (acked.size >= KILL_AFTER && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(await first.exited).toBeNull();

    const second = await spawnServer(config);
    try {
      const queued = await listAll(second.url, '/v1/allocations?state=queued', TEAM_A);
      const byId = new Map<string, { position: number; timeoutAtMs: number; enqueuedAtMs: number }>(queued.map((q: { id: string }) => [q.id, q as never]));
      // Every acknowledged queued request is there, with its timeout; nothing that was never sent.
      expect([...acked.keys()].filter((id) => !byId.has(id))).toEqual([]);
      expect([...byId.keys()].filter((id) => !sent.has(id))).toEqual([]);
      for (const [id, timeoutAtMs] of acked) expect(byId.get(id)?.timeoutAtMs).toBe(timeoutAtMs);
      // Their place: arrival order is kept (positions follow enqueue times), 'short' first.
      const order = [...byId.entries()].sort((a, b) => a[1].position - b[1].position);
      const shortTimeout = short.body.timeoutAtMs as number;
      // (On a very slow machine the restart may take longer than 'short' may wait; then it has already left.)
      if (Date.now() < shortTimeout - 500) expect(order[0]?.[0]).toBe('short');
      if (order[0]?.[0] === 'short') order.shift();
      order.unshift(['short', { position: -1, timeoutAtMs: shortTimeout, enqueuedAtMs: 0 }]);
      for (let i = 1; i < order.length; i++) expect((order[i] as [string, { enqueuedAtMs: number }])[1].enqueuedAtMs).toBeGreaterThanOrEqual((order[i - 1] as [string, { enqueuedAtMs: number }])[1].enqueuedAtMs);
      const first3 = order.slice(1, 4).map(([id]) => id);
      expect((await call(second.url, 'GET', `/v1/allocations/${first3[0]}`, { token: TEAM_A })).status).toBe(202);
      // 'short' times out on the restarted server: polled, it says so (never a 404).
      let st: { status: number; body: { status: string; how?: string } } = { status: 0, body: { status: '' } };
      for (let i = 0; i < 300 && Date.now() < shortTimeout + 15_000; i++) {
        st = await call(second.url, 'GET', '/v1/allocations/short', { token: TEAM_A });
        if (st.body.status !== 'queued') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(st).toMatchObject({ status: 200, body: { status: 'ended', how: 'timed-out' } });
      // Capacity returns: the next three in line get it, in their order.
      expect((await call(second.url, 'DELETE', '/v1/allocations/holder', { token: TEAM_A })).status).toBe(200);
      for (const id of first3) expect((await call(second.url, 'GET', `/v1/allocations/${id}`, { token: TEAM_A })).body).toMatchObject({ status: 'allocated' });
      expect((await call(second.url, 'GET', `/v1/allocations/${(order[5] as [string, unknown])[0]}`, { token: TEAM_A })).status).toBe(202);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
