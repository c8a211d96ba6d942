import { describe, expect, it } from 'vitest';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/scheduler.js';
import { ServiceMetrics } from '../../src/scheduler/metrics.js';
import { startServer } from '../../src/scheduler/http.js';
import { ADMIN, call, TEAM_A, TOKENS } from './helpers.js';

/**
 * Queue waits and SLO outcomes in production, hand-checked on a manual clock (timers off): one
 * node of 4 cpu, a priority queue, SLO waits critical 1 s, high 2 s, medium 30 s, low 5 m.
 */
const SLO = { critical: 1000, high: 2000, medium: 30_000, low: 300_000 };

async function setUp(extra: Partial<ResourceSchedulerOptions> = {}): Promise<{ s: ResourceScheduler; at: (ms: number) => void; metrics: ServiceMetrics }> {
  let now = 0;
  const s = await ResourceScheduler.create({
    clock: () => now,
    timers: false,
    queue: { policy: 'priority' },
    sloWaitMs: SLO,
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }],
    ...extra,
  });
  return { s, at: (ms) => void (now = ms), metrics: new ServiceMetrics(s) };
}

/** `name{labels} value` lines of one metric family from the Prometheus text. */
async function samples(m: ServiceMetrics, name: string): Promise<Record<string, number>> {
  const text = await m.registry.metrics();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}`) || line.startsWith('#')) continue;
    const [key, value] = line.split(' ') as [string, string];
    out[key] = Number(value);
  }
  return out;
}

describe('queue waits and SLO attainment in production (the simulator rule)', () => {
  it('waits 0, 1.5 s and 40 s; a rejection, a timeout and a cancellation: histogram buckets and met/missed by class', async () => {
    const { s, at, metrics } = await setUp();
    at(0);
    expect(s.allocate({ id: 'A', priority: 'high', units: 4 }).status).toBe('allocated'); // wait 0: met (2 s)
    expect(s.allocate({ id: 'B', priority: 'medium', units: 4 }).status).toBe('queued'); // will wait 40 s: missed (30 s)
    expect(s.allocate({ id: 'C', priority: 'high', units: 4 }).status).toBe('queued'); // will wait 1.5 s: met (2 s)
    expect(s.allocate({ id: 'D', priority: 'low', units: 8 }).status).toBe('rejected'); // never fits: missed
    expect(s.allocate({ id: 'F', priority: 'low', units: 4, queueTimeoutMs: 5000, sloWaitMs: 10_000 }).status).toBe('queued'); // times out at 5 s: missed
    expect(s.allocate({ id: 'G', priority: 'medium', units: 4, sloWaitMs: 100_000 }).status).toBe('queued'); // cancelled at 2 s: not counted
    expect(s.allocate({ id: 'H', priority: 'background', units: 0.5 }).status).toBe('queued'); // no SLO: waits counted only
    let a = s.sloAttainment();
    expect(a.byPriority.high).toEqual({ withSlo: 1, met: 1, missed: 0, attainment: 1 });
    expect(a.byPriority.low).toEqual({ withSlo: 1, met: 0, missed: 1, attainment: 0 });
    expect(a.pending).toBe(4); // B, C, F, G (H has no SLO)

    at(1500);
    s.release('A'); // C (high) is the head: starts after 1.5 s
    expect(s.getAllocation('C')).toBeDefined();
    at(2000);
    expect(s.release('G').status).toBe('cancelled');
    at(5000);
    s.tick(); // F times out
    expect(s.status('F')).toMatchObject({ status: 'ended', how: 'timed-out' });
    a = s.sloAttainment();
    expect(a.byPriority.high).toEqual({ withSlo: 2, met: 2, missed: 0, attainment: 1 });
    expect(a.byPriority.low).toEqual({ withSlo: 2, met: 0, missed: 2, attainment: 0 });
    expect(a.byPriority.medium.withSlo).toBe(0);
    expect(a.pending).toBe(1); // B

    at(30_000);
    s.tick(); // B has waited exactly its SLO: it can still meet it
    expect(s.sloAttainment().pending).toBe(1);
    at(31_000);
    s.tick(); // past it: decided missed now, while it still waits
    a = s.sloAttainment();
    expect(a.byPriority.medium).toEqual({ withSlo: 1, met: 0, missed: 1, attainment: 0 });
    expect(a.pending).toBe(0);

    at(40_000);
    s.release('C'); // B starts after 40 s: its wait is observed, its outcome not counted twice
    expect(s.getAllocation('B')).toBeDefined();
    a = s.sloAttainment();
    expect(a.byPriority.medium).toEqual({ withSlo: 1, met: 0, missed: 1, attainment: 0 });
    expect(a.overall).toEqual({ withSlo: 5, met: 2, missed: 3, attainment: 0.4 });

    const w = await samples(metrics, 'drs_wait_seconds');
    // high: 0 and 1.5 s
    expect(w['drs_wait_seconds_bucket{le="0",priority="high"}']).toBe(1);
    expect(w['drs_wait_seconds_bucket{le="1",priority="high"}']).toBe(1);
    expect(w['drs_wait_seconds_bucket{le="2",priority="high"}']).toBe(2);
    expect(w['drs_wait_seconds_sum{priority="high"}']).toBe(1.5);
    expect(w['drs_wait_seconds_count{priority="high"}']).toBe(2);
    // medium: 40 s (between the 30 s and 60 s bounds)
    expect(w['drs_wait_seconds_bucket{le="30",priority="medium"}']).toBe(0);
    expect(w['drs_wait_seconds_bucket{le="60",priority="medium"}']).toBe(1);
    expect(w['drs_wait_seconds_bucket{le="+Inf",priority="medium"}']).toBe(1);
    expect(w['drs_wait_seconds_sum{priority="medium"}']).toBe(40);
    expect(w['drs_wait_seconds_count{priority="background"}']).toBeUndefined(); // H never got room
    expect(w['drs_wait_seconds_count{priority="low"}']).toBeUndefined(); // D rejected, F timed out: no start
    const slo = await samples(metrics, 'drs_slo_total');
    expect(slo).toEqual({
      'drs_slo_total{priority="high",outcome="met"}': 2,
      'drs_slo_total{priority="high",outcome="missed"}': 0,
      'drs_slo_total{priority="medium",outcome="met"}': 0,
      'drs_slo_total{priority="medium",outcome="missed"}': 1,
      'drs_slo_total{priority="low",outcome="met"}': 0,
      'drs_slo_total{priority="low",outcome="missed"}': 2,
    });
    metrics.close();
    s.close();
  });

  it('requeued work (preempted, then started again) is counted at its first start only, as the simulator counts waits', async () => {
    const { s, at, metrics } = await setUp({ preemption: true, queue: { policy: 'priority', requeuePreempted: true, timeoutMs: 3_600_000 } });
    at(0);
    expect(s.allocate({ id: 'X', priority: 'low', units: 4, preemptible: true }).status).toBe('allocated');
    at(1000);
    const y = s.allocate({ id: 'Y', priority: 'critical', units: 4 });
    expect(y.status).toBe('allocated');
    expect(s.status('X').status).toBe('queued'); // evicted, back in the queue with its arrival
    at(400_000);
    s.tick(); // X waits again, past its 5 m SLO: still met, decided at its first start
    s.release('Y');
    expect(s.getAllocation('X')).toBeDefined();
    const a = s.sloAttainment();
    expect(a.byPriority.low).toEqual({ withSlo: 1, met: 1, missed: 0, attainment: 1 });
    expect(a.byPriority.critical).toEqual({ withSlo: 1, met: 1, missed: 0, attainment: 1 });
    const w = await samples(metrics, 'drs_wait_seconds');
    expect(w['drs_wait_seconds_count{priority="low"}']).toBe(1);
    expect(w['drs_wait_seconds_sum{priority="low"}']).toBe(0);
    metrics.close();
    s.close();
  });

  it('a request without a queue that cannot start now misses; sloWaitMs of its own wins over its class', async () => {
    const { s, at } = await setUp({ queue: undefined });
    at(0);
    s.allocate({ id: 'A', priority: 'medium', units: 4 });
    expect(s.allocate({ id: 'B', priority: 'medium', units: 1, sloWaitMs: 0 }).status).toBe('rejected');
    expect(s.sloAttainment().byPriority.medium).toEqual({ withSlo: 2, met: 1, missed: 1, attainment: 0.5 });
    expect(s.allocate({ id: 'A', priority: 'high', units: 1 }).status).toBe('rejected'); // duplicate: someone else's id, not a request
    expect(s.sloAttainment().byPriority.high.withSlo).toBe(0);
    s.close();
  });

  it('sloWaitMs is checked: a class that does not exist, a negative wait', () => {
    expect(() => new ResourceScheduler({ timers: false, sloWaitMs: { urgent: 5 } as never })).toThrow(/sloWaitMs\.urgent.*not a priority class/);
    expect(() => new ResourceScheduler({ timers: false, sloWaitMs: { high: -1 } })).toThrow(/sloWaitMs\.high must be a number ≥ 0/);
    const s = new ResourceScheduler({ timers: false });
    expect(() => s.allocate({ units: 1, sloWaitMs: -1 })).toThrow(/sloWaitMs must be a finite number ≥ 0/);
    s.close();
  });

  it('/metrics over HTTP: drs_wait_seconds and drs_slo_total with HELP and TYPE; sloWait from the config, sloWaitMs in a request body', async () => {
    let now = 0;
    const server = await startServer(
      { port: 0, tokens: TOKENS, sloWaitMs: { high: 2000, medium: 30_000 }, queue: { policy: 'priority' }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] },
      { schedulerOptions: { clock: () => now, timers: false } },
    );
    try {
      const post = (body: unknown): Promise<{ status: number; body: { status: string } }> => call(server.url, 'POST', '/v1/allocations', { token: TEAM_A, body });
      expect((await post({ id: 'a', priority: 'high', units: 4 })).body.status).toBe('allocated'); // wait 0: met
      expect((await post({ id: 'b', priority: 'medium', units: 4, sloWaitMs: 1000 })).body.status).toBe('queued'); // its own SLO, 1 s
      now = 1500;
      expect((await call(server.url, 'DELETE', '/v1/allocations/a', { token: TEAM_A })).status).toBe(200); // b starts after 1.5 s: missed
      const m = await call(server.url, 'GET', '/metrics', { token: ADMIN });
      expect(m.status).toBe(200);
      const text = m.body as string;
      expect(text).toContain('# HELP drs_wait_seconds Queue wait, submission to first start (0 when placed at once), by priority class\n# TYPE drs_wait_seconds histogram\n');
      expect(text).toContain('drs_wait_seconds_bucket{le="0",priority="high"} 1\n');
      expect(text).toContain('drs_wait_seconds_bucket{le="1",priority="medium"} 0\n');
      expect(text).toContain('drs_wait_seconds_bucket{le="2",priority="medium"} 1\n');
      expect(text).toContain('drs_wait_seconds_bucket{le="3600",priority="medium"} 1\n');
      expect(text).toContain('drs_wait_seconds_sum{priority="medium"} 1.5\n');
      expect(text).toMatch(/# HELP drs_slo_total SLO outcomes by priority class[^\n]*\n# TYPE drs_slo_total counter\n/);
      expect(text).toContain('drs_slo_total{priority="high",outcome="met"} 1\ndrs_slo_total{priority="high",outcome="missed"} 0\n');
      expect(text).toContain('drs_slo_total{priority="medium",outcome="met"} 0\ndrs_slo_total{priority="medium",outcome="missed"} 1\n');
      expect(server.scheduler.sloAttainment().overall).toEqual({ withSlo: 2, met: 1, missed: 1, attainment: 0.5 });
    } finally {
      await server.close();
    }
  });
});
