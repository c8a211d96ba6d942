import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { TEAM_A, TOKENS, call, listAll, spawnServer } from '../scheduler/helpers.js';

/**
 * GPU devices over HTTP, against a real `drs serve` process on a SQLite file: every allocation's
 * answer names its devices, the list shows them, and after a SIGKILL the restarted process shows
 * each allocation on the same devices and still never splits a share across devices.
 *
 * By hand, one node with 4 devices (free milli per device in brackets):
 *   a 0.5  -> [0]    (all idle: the lowest)            [500, 1000, 1000, 1000]
 *   b 2    -> [1,2]  (whole devices, the lowest idle)  [500, 0, 0, 1000]
 *   c 1/3  -> [0]    (the tightest that holds 333)     [167, 0, 0, 1000]
 *   d 0.6  -> [3]                                      [167, 0, 0, 400]
 *   e 0.5  -> 409 wait: 0.567 GPU is free on the node, but no one device has 500.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-gpu-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config: ServeConfig = {
  tokens: TOKENS,
  stateFile: path.join(dir, 'state.sqlite'),
  pools: [{ name: 'g', capacity: { cpu: 32, memory: 256 }, gpus: { count: 4, model: 'h100' }, nodes: 1 }],
};

const devicesOf = async (url: string): Promise<Array<[string, unknown]>> =>
  (await listAll(url, '/v1/allocations', TEAM_A)).map((a: { id: string; devices?: number[] }) => [a.id, a.devices]);

describe('GPU devices over HTTP', () => {
  it('are in every answer and the list, and survive a SIGKILL and restart; a share is never split', async () => {
    const first = await spawnServer(config);
    const alloc = (url: string, id: string, gpu: number): ReturnType<typeof call> => call(url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id, pool: 'g', demand: { gpu } } });
    try {
      for (const [id, gpu, devices] of [['a', 0.5, [0]], ['b', 2, [1, 2]], ['c', 1 / 3, [0]], ['d', 0.6, [3]]] as const) {
        const r = await alloc(first.url, id, gpu);
        expect(r.status).toBe(201);
        expect(r.body.allocation).toMatchObject({ id, node: 'g-0', devices });
      }
      const e = await alloc(first.url, 'e', 0.5);
      expect(e.status).toBe(409);
      expect(e.body.rejection).toMatchObject({ code: 'wait' });
      expect((await call(first.url, 'GET', '/v1/allocations/c', { token: TEAM_A })).body.allocation.devices).toEqual([0]);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }

    const second = await spawnServer(config);
    try {
      expect(await devicesOf(second.url)).toEqual([
        ['a', [0]],
        ['b', [1, 2]],
        ['c', [0]],
        ['d', [3]],
      ]);
      expect((await call(second.url, 'GET', '/v1/allocations/b', { token: TEAM_A })).body.allocation.devices).toEqual([1, 2]);
      // What the devices hold: c's 1/3 GPU is 333 milli.
      expect((await call(second.url, 'GET', '/v1/pools/g', { token: TEAM_A })).body.allocated.gpu).toBeCloseTo(0.5 + 2 + 0.333 + 0.6, 9);
      // The devices' free milli came back too: still no device with 500 free, and 0.4 fits device 3 exactly.
      expect((await alloc(second.url, 'e', 0.5)).status).toBe(409);
      expect((await alloc(second.url, 'f', 0.4)).body.allocation).toMatchObject({ devices: [3] });
      expect((await call(second.url, 'DELETE', '/v1/allocations/b', { token: TEAM_A })).status).toBe(200);
      expect((await alloc(second.url, 'g', 2)).body.allocation).toMatchObject({ devices: [1, 2] });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000);
});
