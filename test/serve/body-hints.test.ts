import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { TEAM_A, TOKENS, call } from '../scheduler/helpers.js';

/**
 * A request body with a misspelt key or value is refused naming the nearest one the API knows, as
 * a scenario or serve config file is (plain-issue.ts KEY_HINTS): a client sending `dependOn` got
 * only "unknown key 'dependOn'".
 */
let srv: ServerHandle;
let base: string;

beforeAll(async () => {
  srv = await startServer({ port: 0, tokens: TOKENS, pools: [{ name: 'p', capacity: { cpu: 8, memory: 64 }, nodes: 1 }] }, { schedulerOptions: { timers: false } });
  base = srv.url;
});
afterAll(async () => {
  await srv.close();
});

describe('drs serve: request bodies', () => {
  it('name the nearest known key for a misspelt one', async () => {
    const r = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'h-1', units: 1, dependOn: ['x'] } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'invalid-body', field: 'dependOn', message: "dependOn: unknown key 'dependOn' (did you mean 'dependsOn'?)" } });
    // Nothing near: the keys a body takes, sorted.
    const far = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'h-2', units: 1, zzzzzzzz: 1 } });
    expect(far.body.error.message).toBe(
      "zzzzzzzz: unknown key 'zzzzzzzz' (expected one of concurrency, demand, dependsOn, durationMs, estimatedDurationMs, gpuModels, id, labels, maxCostPerHour, maxLatencyMs, pool, pools, preemptible, priority, queueTimeoutMs, sloWaitMs, tenant, units)",
    );
    expect((await call(base, 'GET', '/v1/allocations/h-1', { token: TEAM_A })).status).toBe(404); // refused, not submitted
  });
});
