import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/agents/clock.js';
import { parseFleet } from '../../src/agents/config.js';
import { agentRoutes } from '../../src/agents/http.js';
import { AgentScheduler } from '../../src/agents/scheduler.js';

describe('agent routes (drs serve plugin)', () => {
  it('triggers on demand, feeds conditions, shows the status monitor; admin only', async () => {
    const clock = new VirtualClock(0);
    const agents = new AgentScheduler({
      fleet: parseFleet({ agents: [{ id: 'chat', cpu: 1, schedule: 'on-demand' }, { id: 'cleaner', cpu: 1, schedule: { metric: 'disk', above: 0.9 } }] }),
      pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
      clock,
      launch: () => new Promise(() => {}),
    });
    const app = Fastify();
    let admin = true;
    app.register(
      async (v1) =>
        agentRoutes(agents)(v1, {
          requireAdmin: () => {
            if (!admin) throw Object.assign(new Error('admin only'), { statusCode: 403 });
          },
          send: async (reply, code, body) => reply.code(code).send(body),
        }),
      { prefix: '/v1' },
    );
    const trig = await app.inject({ method: 'POST', url: '/v1/agents/chat/trigger' });
    expect([trig.statusCode, trig.json()]).toEqual([202, { runId: 'chat#1' }]);
    expect((await app.inject({ method: 'POST', url: '/v1/agents/nope/trigger' })).statusCode).toBe(404);
    const ev = await app.inject({ method: 'POST', url: '/v1/agents/events', payload: { metric: 'disk', value: 0.95 } });
    expect([ev.statusCode, ev.json()]).toEqual([202, { runIds: ['cleaner#1'] }]);
    expect((await app.inject({ method: 'POST', url: '/v1/agents/events', payload: { metric: 'disk' } })).statusCode).toBe(400);
    await clock.advance(1);
    const st = await app.inject({ method: 'GET', url: '/v1/agents' });
    expect(st.json().agents.map((a: { id: string; state: string }) => `${a.id}:${a.state}`)).toEqual(['chat:running', 'cleaner:running']);
    const runs = await app.inject({ method: 'GET', url: '/v1/agents/chat/runs' });
    expect(runs.json().runs[0]).toMatchObject({ id: 'chat#1', cause: { kind: 'on-demand', by: 'http' }, state: 'running', startedAt: 0 });
    admin = false;
    expect((await app.inject({ method: 'GET', url: '/v1/agents' })).statusCode).toBe(403);
    await agents.stop();
    await app.close();
  });

  it('agent state changes go to the scheduler event log when it records custom events', async () => {
    const clock = new VirtualClock(0);
    const got: string[] = [];
    const agents = new AgentScheduler({
      fleet: parseFleet({ agents: [{ id: 'a', cpu: 1 }] }),
      pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
      clock,
      launch: async () => {},
      publish: (type, tenant, data) => got.push(`${type} ${tenant} ${(data as { to: string }).to}`),
    });
    agents.trigger('a');
    await clock.advance(1);
    expect(got).toEqual(['agent-state a pending', 'agent-state a starting', 'agent-state a running', 'agent-state a completed']);
  });
});
