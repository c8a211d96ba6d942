import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { ADMIN, TEAM_A, TEAM_B, TOKENS, call } from '../scheduler/helpers.js';
import { openStream, until } from './sse-client.js';

/**
 * `dependsOn` and `concurrency` on `POST /v1/allocations` (in-process, memory store, no timers:
 * every queue pass here is one a release or an allocation ran). One pool `p`, one node of 8 cpu,
 * an FCFS queue, so every request below fits on its own and only the rule under test holds it.
 */
let srv: ServerHandle;
let base: string;

beforeAll(async () => {
  srv = await startServer(
    { port: 0, tokens: TOKENS, queue: { policy: 'fcfs', timeoutMs: 600_000 }, pools: [{ name: 'p', capacity: { cpu: 8, memory: 64 }, nodes: 1 }] },
    { schedulerOptions: { timers: false } },
  );
  base = srv.url;
});
afterAll(async () => {
  await srv.close();
});

const post = (token: string, body: unknown): ReturnType<typeof call> => call(base, 'POST', '/v1/allocations', { token, body });
const state = async (token: string, id: string): Promise<string> => (await call(base, 'GET', `/v1/allocations/${id}`, { token })).body.status as string;
const release = async (token: string, id: string): Promise<void> => {
  expect((await call(base, 'DELETE', `/v1/allocations/${id}`, { token })).status).toBe(200);
};

describe('drs serve: dependsOn', () => {
  it('starts a dependent once its dependency is released, and shows only the caller’s ids', async () => {
    const stream = openStream(base, TEAM_A);
    expect(await stream.status).toBe(200);
    expect((await post(TEAM_A, { id: 'd-1', units: 1 })).status).toBe(201);
    const dep = await post(TEAM_A, { id: 'd-2', units: 1, dependsOn: ['d-1'] });
    expect(dep.status).toBe(202); // 7 cpu free: only the dependency holds it
    expect(dep.body).toMatchObject({ status: 'queued', requestId: 'd-2', reason: { code: 'wait', message: "waiting for request 'd-1' it depends on to complete" } });
    srv.scheduler.tick();
    expect(await state(TEAM_A, 'd-2')).toBe('queued');
    await release(TEAM_A, 'd-1');
    expect(await state(TEAM_A, 'd-2')).toBe('allocated');
    await until(() => stream.events.some((e) => e.type === 'allocated' && e.data.allocation.id === 'd-2'), 5000, "d-2's start on team-a's stream");
    stream.close();
    expect(JSON.stringify(stream.events)).not.toContain('team-a~');
    await release(TEAM_A, 'd-2');
  });

  it('rejects a dependent when its dependency fails (here: cancelled while queued), with the caller’s ids', async () => {
    expect((await post(TEAM_A, { id: 'big', units: 8 })).status).toBe(201);
    expect((await post(TEAM_A, { id: 'f-1', units: 4 })).status).toBe(202); // no room: queued
    expect((await post(TEAM_A, { id: 'f-2', units: 1, dependsOn: ['f-1'] })).status).toBe(202);
    await release(TEAM_A, 'f-1'); // cancelled: f-1 failed, so f-2 can never start
    expect((await call(base, 'GET', '/v1/allocations/f-2', { token: TEAM_A })).body).toMatchObject({ status: 'ended', id: 'f-2', how: 'rejected' });
    // A request naming the failed dependency now is rejected at once, naming it as team-a does.
    const late = await post(TEAM_A, { id: 'f-3', units: 1, dependsOn: ['f-1'] });
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ status: 'rejected', requestId: 'f-3', rejection: { code: 'dependency-failed', permanent: true } });
    expect(late.body.rejection.message).toContain("'f-1'");
    expect(JSON.stringify(late.body)).not.toContain('~');
    // The admin sees the scoped ids.
    const admin = await call(base, 'GET', '/v1/allocations/team-a~f-3', { token: ADMIN });
    expect(admin.body).toMatchObject({ status: 'ended', id: 'team-a~f-3', how: 'rejected' });
    await release(TEAM_A, 'big');
  });

  it('keeps tenants apart: another tenant’s id answers exactly as an id never submitted', async () => {
    expect((await post(TEAM_B, { id: 'secret', units: 1 })).status).toBe(201);
    const theirs = await post(TEAM_A, { id: 'x', units: 1, dependsOn: ['secret'] });
    const none = await post(TEAM_A, { id: 'x', units: 1, dependsOn: ['never-submitted'] });
    expect(theirs.status).toBe(400);
    expect(theirs.body).toEqual({
      error: { code: 'invalid-request', field: 'dependsOn[0]', message: "dependsOn[0]: no request 'secret' to wait for (a dependency must be submitted before its dependents: queued, allocated or recently ended)" },
    });
    expect(JSON.stringify(none.body).replace('never-submitted', 'secret')).toBe(JSON.stringify(theirs.body));
    // A scoped id is not one a tenant token may write, whoever's it names.
    const scoped = await post(TEAM_A, { id: 'x', units: 1, dependsOn: ['team-b~secret'] });
    const nobody = await post(TEAM_A, { id: 'x', units: 1, dependsOn: ['team-z~nothing'] });
    expect(scoped.status).toBe(400);
    expect(scoped.body).toEqual({ error: { code: 'invalid-body', field: 'dependsOn[0]', message: 'dependsOn[0]: an id is 1-200 characters of letters, digits and . _ : @ -' } });
    expect(nobody.body).toEqual(scoped.body);
    expect((await call(base, 'GET', '/v1/allocations/x', { token: TEAM_A })).status).toBe(404); // none of them was submitted
    await release(TEAM_B, 'secret');
  });

  it('lets an admin name a bare id of the body’s tenant or a scoped one of that tenant, not another tenant’s', async () => {
    expect((await post(TEAM_A, { id: 'ad-1', units: 1 })).status).toBe(201);
    expect((await post(TEAM_B, { id: 'ad-b', units: 1 })).status).toBe(201);
    const bare = await post(ADMIN, { tenant: 'team-a', id: 'ad-2', units: 1, dependsOn: ['ad-1'] });
    expect(bare.status).toBe(202);
    expect(bare.body.requestId).toBe('team-a~ad-2');
    expect((await post(ADMIN, { tenant: 'team-a', id: 'ad-3', units: 1, dependsOn: ['team-a~ad-1'] })).status).toBe(202);
    const cross = await post(ADMIN, { tenant: 'team-a', id: 'ad-4', units: 1, dependsOn: ['ad-1', 'team-b~ad-b'] });
    expect(cross.status).toBe(400);
    expect(cross.body.error).toMatchObject({ code: 'invalid-request', field: 'dependsOn[1]' });
    expect(cross.body.error.message).toContain('may depend only on its own tenant');
    await release(TEAM_A, 'ad-1');
    expect([await state(TEAM_A, 'ad-2'), await state(TEAM_A, 'ad-3')]).toEqual(['allocated', 'allocated']);
    for (const id of ['ad-2', 'ad-3']) await release(TEAM_A, id);
    await release(TEAM_B, 'ad-b');
  });

  it('refuses bad values with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ units: 1, dependsOn: 'd-1' }, 'dependsOn'],
      [{ units: 1, dependsOn: [''] }, 'dependsOn[0]'],
      [{ units: 1, dependsOn: ['ok', 'not ok'] }, 'dependsOn[1]'],
      [{ id: 'me', units: 1, dependsOn: ['me'] }, 'dependsOn[0]'],
      [{ units: 1, concurrency: { group: 'g' } }, 'concurrency.limit'],
      [{ units: 1, concurrency: { group: 'g', limit: 0 } }, 'concurrency.limit'],
      [{ units: 1, concurrency: { group: 'g', limit: 1.5 } }, 'concurrency.limit'],
      [{ units: 1, concurrency: { group: 'team-b~g', limit: 1 } }, 'concurrency.group'],
      [{ units: 1, concurrency: { group: 'g', limit: 1, extra: 1 } }, 'concurrency.extra'],
      [{ units: 1, concurrency: 3 }, 'concurrency'],
    ];
    for (const [body, field] of cases) {
      const r = await post(TEAM_A, body);
      expect([r.status, r.body.error?.field], JSON.stringify(body)).toEqual([400, field]);
    }
    const self = await post(TEAM_A, { id: 'me', units: 1, dependsOn: ['me'] });
    expect(self.body.error.message).toBe("dependsOn[0]: a request cannot depend on itself ('me')");
    // An explicit preemption places at once: neither field applies.
    const pre = await call(base, 'POST', '/v1/preemptions', { token: ADMIN, body: { targetId: 'team-a~nothing', request: { tenant: 'team-a', units: 1, priority: 'critical', concurrency: { group: 'g', limit: 1 } } } });
    expect([pre.status, pre.body.error?.field]).toEqual([400, 'request.concurrency']);
  });
});

describe('drs serve: concurrency groups', () => {
  it('holds a group to its limit, per tenant: another tenant’s group of the same name is its own', async () => {
    const g = { group: 'etl', limit: 2 };
    expect((await post(TEAM_A, { id: 'c-1', units: 1, concurrency: g })).status).toBe(201);
    expect((await post(TEAM_A, { id: 'c-2', units: 1, concurrency: g })).status).toBe(201);
    const third = await post(TEAM_A, { id: 'c-3', units: 1, concurrency: g });
    expect(third.status).toBe(202); // 6 cpu free: only the group holds it
    expect(third.body.reason).toMatchObject({ code: 'wait' });
    expect(third.body.reason.message).toBe("waiting for a slot of concurrency group 'etl' (2 of its limit 2 running)");
    // team-b's 'etl' is not team-a's: it starts, and it does not take team-a's slot.
    expect((await post(TEAM_B, { id: 'c-b1', units: 1, concurrency: { group: 'etl', limit: 1 } })).status).toBe(201);
    expect((await post(TEAM_B, { id: 'c-b2', units: 1, concurrency: { group: 'etl', limit: 1 } })).status).toBe(202);
    srv.scheduler.tick();
    expect(await state(TEAM_A, 'c-3')).toBe('queued');
    await release(TEAM_B, 'c-b1'); // frees team-b's slot only
    expect([await state(TEAM_A, 'c-3'), await state(TEAM_B, 'c-b2')]).toEqual(['queued', 'allocated']);
    await release(TEAM_A, 'c-1');
    expect(await state(TEAM_A, 'c-3')).toBe('allocated');
    // The admin sees the group as stored, scoped to its tenant.
    const c4 = await post(ADMIN, { tenant: 'team-a', id: 'c-4', units: 1, concurrency: g });
    expect(c4.status).toBe(202);
    expect(c4.body.reason.message).toBe("waiting for a slot of concurrency group 'team-a~etl' (2 of its limit 2 running)");
    for (const id of ['c-2', 'c-3', 'c-4']) await release(TEAM_A, id);
    await release(TEAM_B, 'c-b2');
  });
});
