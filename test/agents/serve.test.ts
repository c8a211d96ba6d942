import { afterAll, describe, expect, it } from 'vitest';
import { parseFleet } from '../../src/agents/config.js';
import { agentRoutes } from '../../src/agents/http.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { ADMIN, TEAM_A, TOKENS, call } from '../scheduler/helpers.js';
import { until } from '../serve/sse-client.js';

let srv: ServerHandle | undefined;
afterAll(async () => {
  await srv?.close();
});

describe('drs serve with the agent routes plugged in', () => {
  it('an admin triggers an agent over HTTP; its allocation is visible; tenants are refused', async () => {
    const scheduler = new ResourceScheduler({ pools: [{ name: 'cpu', capacity: { cpu: 8, memory: 32 }, nodes: 1 }], timers: false });
    let finish: () => void = () => {};
    const agents = new AgentScheduler({
      fleet: parseFleet({ agents: [{ id: 'chat', cpu: 2, memory: 4, schedule: 'on-demand' }] }),
      scheduler,
      launch: () => new Promise<void>((resolve) => (finish = resolve)),
    });
    srv = await startServer({ port: 0, tokens: TOKENS }, { scheduler, plugins: [agentRoutes(agents)] });
    const base = srv.url;

    expect((await call(base, 'POST', '/v1/agents/chat/trigger')).status).toBe(401);
    expect((await call(base, 'POST', '/v1/agents/chat/trigger', { token: TEAM_A })).status).toBe(403);
    const t = await call(base, 'POST', '/v1/agents/chat/trigger', { token: ADMIN });
    expect([t.status, t.body]).toEqual([202, { runId: 'chat#1' }]);
    // Polled, not a 50-ms sleep: how long the run takes to start depends on the machine's load.
    await until(async () => (await call(base, 'GET', '/v1/agents', { token: ADMIN })).body.agents[0]?.state === 'running', 30_000, 'the run to start');
    const st = await call(base, 'GET', '/v1/agents', { token: ADMIN });
    expect(st.body.agents[0]).toMatchObject({ id: 'chat', state: 'running', runs: 1, currentRun: 'chat#1' });
    expect(scheduler.getAllocation('chat#1')).toMatchObject({ tenant: 'chat', demand: { cpu: 2, memory: 4, gpu: 0 } });
    finish();
    await until(() => scheduler.listAllocations().length === 0, 30_000, 'the finished run to release its allocation');
    expect(scheduler.listAllocations()).toEqual([]);
    const runs = await call(base, 'GET', '/v1/agents/chat/runs', { token: ADMIN });
    expect(runs.body.runs[0]).toMatchObject({ id: 'chat#1', state: 'completed', cause: { kind: 'on-demand', by: 'http' } });
    expect((await call(base, 'POST', '/v1/agents/ghost/trigger', { token: ADMIN })).status).toBe(404);

    // The run's state changes are on the service's event stream (GET /v1/events, SSE), after the log.
    const ac = new AbortController();
    const res = await fetch(`${base}/v1/events?after=0`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"to":"completed"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    const states = [...text.matchAll(/event: agent-state\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1] as string) as { tenant: string; runId: string; to: string });
    expect(states.map((e) => `${e.tenant} ${e.runId} ${e.to}`)).toEqual(['chat chat#1 pending', 'chat chat#1 starting', 'chat chat#1 running', 'chat chat#1 completed']);
    await agents.stop();
  });
});
