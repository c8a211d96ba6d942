import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { parseServeConfig } from '../../src/scheduler/config.js';
import { startServer, type ServerHandle } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';
import { ServiceMetrics } from '../../src/scheduler/metrics.js';
import type { SchedulerEvents } from '../../src/scheduler/types.js';
import { ADMIN, TEAM_A, TOKENS, call } from './helpers.js';

/**
 * `failNode` / `repairNode`: the simulator's failure rule as production operations. Node ids
 * here: pool `p` has nodes 0 (`p-0`) and 1 (`p-1`), 4 cpu each; first-fit fills node 0 first.
 */
function make(extra: Partial<ResourceSchedulerOptions> = {}): { s: ResourceScheduler; t: { now: number }; log: string[] } {
  const t = { now: 1_000 };
  const s = new ResourceScheduler({
    clock: () => t.now,
    timers: false,
    strategy: 'first-fit',
    queue: { policy: 'fcfs', timeoutMs: 1e9, requeuePreempted: true },
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 2 }],
    ...extra,
  });
  const log: string[] = [];
  const names: (keyof SchedulerEvents)[] = ['allocated', 'lost', 'node-failed', 'node-repaired', 'rejected', 'queued'];
  for (const n of names) {
    s.on(n, (e) => {
      const p = e as { allocation?: { id: string; nodeId: number }; requestId?: string; nodeId?: number; requeued?: boolean; rejection?: { code: string } };
      if (n === 'allocated') log.push(`allocated ${p.allocation?.id}@${p.allocation?.nodeId}`);
      else if (n === 'lost') log.push(`lost ${p.allocation?.id}${p.requeued === true ? ' requeued' : ''}`);
      else if (n === 'rejected') log.push(`rejected ${p.requestId} ${p.rejection?.code}`);
      else if (n === 'queued') log.push(`queued ${p.requestId}`);
      else log.push(`${n} ${p.nodeId}`);
    });
  }
  return { s, t, log };
}

describe('ResourceScheduler.failNode / repairNode', () => {
  it("evicts the node's work in the node's order, requeues it and starts what fits elsewhere", () => {
    const { s, log } = make();
    s.allocate({ id: 'a', units: 2 });
    s.allocate({ id: 'b', units: 2 });
    s.allocate({ id: 'c', units: 3 });
    expect(log).toEqual(['allocated a@0', 'allocated b@0', 'allocated c@1']);
    log.length = 0;
    const res = s.failNode('p', 'p-0');
    expect(res).toMatchObject({ status: 'failed', pool: 'p', node: 'p-0', nodeId: 0, requeued: true });
    expect(res.status === 'failed' && res.lost.map((a) => a.id)).toEqual(['a', 'b']);
    // Node 1 has 1 cpu free: neither a nor b (2 cpu) fits; they wait, a first.
    expect(log).toEqual(['lost a requeued', 'lost b requeued', 'node-failed 0']);
    expect(s.status('a')).toMatchObject({ status: 'queued', position: 0 });
    expect(s.status('b')).toMatchObject({ status: 'queued', position: 1 });
    expect(s.getPool('p')).toMatchObject({ nodes: { up: 1 }, capacity: { cpu: 4 }, allocated: { cpu: 3 } });
    s.checkInvariants();
    log.length = 0;
    expect(s.failNode('p', 0)).toMatchObject({ status: 'not-up', nodeStatus: 'failed' });
    expect(s.repairNode('p', '0')).toMatchObject({ status: 'repaired', node: 'p-0', nodeId: 0 });
    expect(log).toEqual(['node-repaired 0', 'allocated a@0', 'allocated b@0']);
    expect(s.repairNode('p', 'p-0')).toMatchObject({ status: 'not-failed', nodeStatus: 'up' });
    s.checkInvariants();
  });

  it('counts a failed node in the pool info and in drs_pool_nodes until it is repaired', async () => {
    const { s } = make();
    const metrics = new ServiceMetrics(s);
    const gauge = async (state: string): Promise<number | undefined> =>
      (await metrics.registry.getSingleMetric('drs_pool_nodes')?.get())?.values.find((v) => v.labels.state === state)?.value;
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 2, booting: 0, failed: 0 });
    s.failNode('p', 'p-1');
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 1, booting: 0, failed: 1 });
    expect([await gauge('up'), await gauge('failed')]).toEqual([1, 1]);
    s.repairNode('p', 'p-1');
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 2, failed: 0 });
    expect([await gauge('up'), await gauge('failed')]).toEqual([2, 0]);
    metrics.close();
  });

  it("with quotas, a request held for its tenant's quota starts once a failure ends the tenant's work (requeued or not)", () => {
    for (const requeuePreempted of [true, false]) {
      const t = { now: 1_000 };
      const s = new ResourceScheduler({
        clock: () => t.now,
        timers: false,
        queue: { policy: 'priority', timeoutMs: 3_600_000, requeuePreempted },
        quotas: { tenants: { c: { max: { cpu: 0.4 } } } },
        pools: [{ name: 'p', capacity: { cpu: 8, memory: 16 }, nodes: 2 }],
      });
      expect(s.allocate({ id: 'r0', tenant: 'c', demand: { cpu: 6, memory: 12 } }).status).toBe('allocated'); // 6 of 0.4 × 16 = 6.4
      expect(s.allocate({ id: 'r1', tenant: 'c', demand: { cpu: 2 } }).status).toBe('queued'); // 6 + 2 > 6.4
      s.failNode('p', (s.getAllocation('r0') as { node: string }).node);
      // c holds nothing now; its max is 0.4 × 8 = 3.2 of the up node: r1 (2) starts at once.
      expect(s.status('r1'), `requeuePreempted ${requeuePreempted}`).toMatchObject({ status: 'allocated' });
      s.checkInvariants();
    }
  });

  it('requeued work that fits elsewhere starts in the same operation', () => {
    const { s, log } = make();
    s.allocate({ id: 'a', units: 1 });
    s.allocate({ id: 'b', units: 3 });
    log.length = 0;
    s.failNode('p', 'p-0');
    expect(log).toEqual(['lost a requeued', 'lost b requeued', 'node-failed 0', 'allocated a@1', 'allocated b@1']);
  });

  it('without requeueing, the work ends `lost` and its dependents are rejected', () => {
    const { s, log } = make({ queue: { policy: 'fcfs', timeoutMs: 1e9 } });
    s.allocate({ id: 'a', units: 4 });
    s.allocate({ id: 'b', units: 4 });
    s.allocate({ id: 'after-a', units: 4, dependsOn: ['a'] });
    log.length = 0;
    const res = s.failNode('p', 'p-0');
    expect(res).toMatchObject({ status: 'failed', requeued: false });
    expect(log).toEqual(['lost a', 'node-failed 0', 'rejected after-a dependency-failed']);
    expect(s.status('a')).toMatchObject({ status: 'ended', how: 'lost' });
    s.checkInvariants();
  });

  it('keeps a failed node failed across a restart (persisted like any node change), and repairs it after', () => {
    const store = new MemoryStore();
    const t = { now: 5_000 };
    const opts = { store, clock: () => t.now, timers: false as const, queue: { policy: 'fcfs' as const, requeuePreempted: true }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 2 }] };
    const s1 = new ResourceScheduler(opts);
    s1.allocate({ id: 'x', units: 1 });
    const node = s1.getAllocation('x')?.node as string;
    s1.failNode('p', node);
    s1.close();
    const s2 = new ResourceScheduler(opts);
    expect(s2.getPool('p')?.nodes.up).toBe(1);
    expect(s2.getAllocation('x')?.node).not.toBe(node);
    expect(s2.repairNode('p', node)).toMatchObject({ status: 'repaired' });
    expect(s2.getPool('p')?.nodes.up).toBe(2);
    s2.checkInvariants();
    s2.close();
  });

  it('a tenant limit that shrank because a node failed keeps quota-limited work waiting, not rejected for good', () => {
    // research may hold 0.75 of the cpu: 6 of 8 with both nodes up, 3 with one.
    const { s, log } = make({ quotas: { tenants: { research: { max: { cpu: 0.75 } } } } });
    s.allocate({ id: 'a', units: 4, tenant: 'research' });
    expect(s.allocate({ id: 'q', units: 3.5, tenant: 'research' })).toMatchObject({ status: 'queued' }); // 4 + 3.5 > 6
    log.length = 0;
    s.failNode('p', 'p-0'); // a's node: a goes back to the queue
    // 4 and 3.5 are each over 0.75 × 4, the limit with one node up, but not over 0.75 × 8, what the
    // pool has when its node is back: both wait.
    expect(log).toEqual(['lost a requeued', 'node-failed 0']);
    expect(s.status('q')).toMatchObject({ status: 'queued' });
    expect(s.status('a')).toMatchObject({ status: 'queued' });
    log.length = 0;
    s.repairNode('p', 'p-0');
    // q (first in the queue) starts; a waits for its tenant's share (3.5 + 4 > 6) until q ends.
    expect(log).toEqual(['node-repaired 0', 'allocated q@0']);
    expect(s.status('a')).toMatchObject({ status: 'queued' });
    s.release('q');
    expect(s.status('a')).toMatchObject({ status: 'allocated' });
    s.checkInvariants();
    const small = make({ quotas: { tenants: { research: { max: { cpu: 0.25 } } } } }).s;
    const r = small.allocate({ id: 'big', units: 3, tenant: 'research' });
    expect(r).toMatchObject({ status: 'rejected', rejection: { code: 'quota', permanent: true } });
    expect(r.status === 'rejected' && r.rejection.message).toBe("tenant 'research' may hold at most 2 cpu (max share 0.25); the request alone needs 3");
  });

  it('names the field of an unknown pool or node', () => {
    const { s } = make();
    const field = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof UserError ? e.location.field : 'not a UserError';
      }
      return undefined;
    };
    expect(field(() => s.failNode('nope', 0))).toBe('pool');
    expect(field(() => s.failNode('p', 'p-7'))).toBe('node');
    expect(field(() => s.repairNode('p', 2))).toBe('node');
  });

  it("names nodes POOL-ID with cluster-wide ids, and an unknown node's error lists the pool's names", () => {
    const { s } = make({ pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 2 }, { name: 'q', capacity: { cpu: 4, memory: 16 }, nodes: 5 }] });
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    // q's first node is q-2, after p's two: there is no q-0 (docs/serve.md, node failures).
    expect(message(() => s.failNode('q', 'q-0'))).toBe("field 'node': pool 'q' has no node 'q-0' (name or id; its 5 nodes: q-2, q-3, q-4, … q-6)");
    expect(message(() => s.failNode('p', 'q-2'))).toBe("field 'node': pool 'p' has no node 'q-2' (name or id; its 2 nodes: p-0, p-1)");
    expect(s.failNode('q', 'q-2')).toMatchObject({ status: 'failed', pool: 'q', node: 'q-2', nodeId: 2 });
    expect(s.repairNode('q', 2)).toMatchObject({ status: 'repaired', node: 'q-2' });
  });
});

describe('drs serve: POST /v1/pools/:pool/nodes/:node/fail and /repair', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    // From a config file's contents, so `queue.requeuePreempted` is read from the config too.
    const config = parseServeConfig(
      { port: 0, tokens: TOKENS, strategy: 'first-fit', queue: { policy: 'fcfs', requeuePreempted: true }, pools: [{ name: 'gpu', capacity: { cpu: 8, gpu: 2 }, nodes: 2 }] },
      'inline config',
      '.',
    );
    srv = await startServer(config, { schedulerOptions: { timers: false } });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('lets an admin fail and repair a node (200, then 409 when repeated), refuses tenants (403) and unknown names (404)', async () => {
    const base = srv.url;
    const a = await call(base, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'job', demand: { gpu: 2 } } });
    expect(a.body).toMatchObject({ status: 'allocated', allocation: { node: 'gpu-0' } });
    expect((await call(base, 'POST', '/v1/pools/gpu/nodes/gpu-0/fail', { token: TEAM_A })).status).toBe(403);
    const f = await call(base, 'POST', '/v1/pools/gpu/nodes/gpu-0/fail', { token: ADMIN });
    expect(f.status).toBe(200);
    expect(f.body).toMatchObject({ status: 'failed', pool: 'gpu', node: 'gpu-0', nodeId: 0, requeued: true, lost: [{ id: 'team-a~job', node: 'gpu-0' }] });
    // Requeued and restarted on the other node at once.
    const g = await call(base, 'GET', '/v1/allocations/job', { token: TEAM_A });
    expect(g.body).toMatchObject({ status: 'allocated', allocation: { id: 'job', node: 'gpu-1' } });
    const again = await call(base, 'POST', '/v1/pools/gpu/nodes/0/fail', { token: ADMIN });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'not-up', nodeStatus: 'failed' });
    expect((await call(base, 'POST', '/v1/pools/tpu/nodes/0/fail', { token: ADMIN })).status).toBe(404);
    const unknown = await call(base, 'POST', '/v1/pools/gpu/nodes/gpu-9/repair', { token: ADMIN });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not-found', field: 'node' });
    const r = await call(base, 'POST', '/v1/pools/gpu/nodes/gpu-0/repair', { token: ADMIN });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'repaired', node: 'gpu-0' });
    expect((await call(base, 'POST', '/v1/pools/gpu/nodes/gpu-0/repair', { token: ADMIN })).status).toBe(409);
    expect((await call(base, 'GET', '/v1/pools/gpu', { token: TEAM_A })).body.nodes.up).toBe(2);
    const audit = await call(base, 'GET', '/v1/audit', { token: ADMIN });
    const rows = (audit.body.audit as { route: string; target: string; status: number; result: string }[]).filter((x) => x.route.startsWith('/v1/pools/:pool/nodes'));
    expect(rows.map((x) => `${x.route} ${x.target} ${x.status} ${x.result}`)).toEqual([
      '/v1/pools/:pool/nodes/:node/fail gpu/gpu-0 403 forbidden',
      '/v1/pools/:pool/nodes/:node/fail gpu/gpu-0 200 failed',
      '/v1/pools/:pool/nodes/:node/fail gpu/0 409 not-up',
      '/v1/pools/:pool/nodes/:node/fail tpu/0 404 not-found',
      '/v1/pools/:pool/nodes/:node/repair gpu/gpu-9 404 not-found',
      '/v1/pools/:pool/nodes/:node/repair gpu/gpu-0 200 repaired',
      '/v1/pools/:pool/nodes/:node/repair gpu/gpu-0 409 not-failed',
    ]);
  });
});
