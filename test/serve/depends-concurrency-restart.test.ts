import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { TEAM_A, TEAM_B, TOKENS, call, spawnServer } from '../scheduler/helpers.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';
import { until } from './sse-client.js';

/**
 * A `drs serve` process killed with SIGKILL and started again on the same store keeps what
 * `dependsOn` and `concurrency` hold: the restored queue still waits for the dependency and the
 * group slot (the running process offers its queue every tick), and both start once the holder
 * is released. One node of 8 cpu: every request fits, so only those rules hold them.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-deps-restart-'));
let db: FreshDatabase | undefined;
usePgDatabase('deps', 'the PostgreSQL restart of dependsOn/concurrency', (d) => (db = d));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const base: Omit<ServeConfig, 'tokens'> = { queue: { policy: 'fcfs', timeoutMs: 600_000 }, pools: [{ name: 'p', capacity: { cpu: 8, memory: 64 }, nodes: 1 }] };
/** Serving writes: `single` (SQLite) or `leader` (PostgreSQL). */
const serving = async (url: string): Promise<boolean> => ['single', 'leader'].includes(((await call(url, 'GET', '/healthz').catch(() => ({ body: { role: 'down' } }))).body as { role: string }).role);

async function killAndRestart(config: ServeConfig): Promise<void> {
  const alloc = (url: string, token: string, body: unknown): ReturnType<typeof call> => call(url, 'POST', '/v1/allocations', { token, body });
  const state = async (url: string, id: string, token = TEAM_A): Promise<string> => (await call(url, 'GET', `/v1/allocations/${id}`, { token })).body.status as string;
  const g = { group: 'etl', limit: 1 };
  const first = await spawnServer(config);
  try {
    await until(() => serving(first.url), 20_000, 'the first process to lead');
    expect((await alloc(first.url, TEAM_A, { id: 'dep', units: 1 })).status).toBe(201);
    expect((await alloc(first.url, TEAM_A, { id: 'after', units: 1, dependsOn: ['dep'] })).status).toBe(202);
    expect((await alloc(first.url, TEAM_A, { id: 'g-1', units: 1, concurrency: g })).status).toBe(201);
    expect((await alloc(first.url, TEAM_A, { id: 'g-2', units: 1, concurrency: g })).status).toBe(202);
  } finally {
    first.child.kill('SIGKILL');
    await first.exited;
  }

  const second = await spawnServer(config);
  try {
    await until(() => serving(second.url), 30_000, 'the restarted process to lead');
    // Ticks of the restored queue, counted by an event rather than by time: a probe of the full
    // group that may wait 1 ms. Only a tick times it out (reads do not), and its leaving offers the
    // queue again. Once it has left: 6 cpu free, yet both still wait.
    expect((await alloc(second.url, TEAM_A, { id: 'probe', units: 1, concurrency: g, queueTimeoutMs: 1 })).status).toBe(202);
    await until(async () => (await state(second.url, 'probe')) !== 'queued', 15_000, 'a tick to time the probe out');
    expect((await call(second.url, 'GET', '/v1/allocations/probe', { token: TEAM_A })).body).toMatchObject({ status: 'ended', how: 'timed-out' });
    expect([await state(second.url, 'after'), await state(second.url, 'g-2')]).toEqual(['queued', 'queued']);
    // A new request of the full group waits too (the restored allocation g-1 counts), team-b's group of that name does not.
    expect((await alloc(second.url, TEAM_A, { id: 'g-3', units: 1, concurrency: g })).status).toBe(202);
    expect((await alloc(second.url, TEAM_B, { id: 'g-b', units: 1, concurrency: g })).status).toBe(201);
    // A new dependent of the restored dependency is accepted (it is known) and waits.
    expect((await alloc(second.url, TEAM_A, { id: 'after-2', units: 1, dependsOn: ['dep', 'after'] })).status).toBe(202);
    expect((await call(second.url, 'DELETE', '/v1/allocations/dep', { token: TEAM_A })).status).toBe(200);
    expect(await state(second.url, 'after')).toBe('allocated');
    expect(await state(second.url, 'after-2')).toBe('queued'); // still waits for 'after'
    expect((await call(second.url, 'DELETE', '/v1/allocations/g-1', { token: TEAM_A })).status).toBe(200);
    expect([await state(second.url, 'g-2'), await state(second.url, 'g-3')]).toEqual(['allocated', 'queued']);
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}

describe('dependsOn and concurrency over a restart of drs serve', () => {
  it('SQLite: restored after SIGKILL', async () => {
    await killAndRestart({ ...base, tokens: TOKENS, stateFile: path.join(dir, 'state.sqlite') });
  }, 90_000);

  it('PostgreSQL: restored after SIGKILL', async () => {
    if (db === undefined) return;
    await killAndRestart({ ...base, tokens: TOKENS, postgres: { url: db.url, pollIntervalMs: 200 } });
  }, 90_000);
});
