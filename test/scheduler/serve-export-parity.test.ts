import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import type { Priority } from '../../src/core/priority.js';
import { REJECTION_CODES } from '../../src/core/rejection.js';
import { Rng } from '../../src/core/rng.js';
import { loadServeConfig } from '../../src/scheduler/config.js';
import { createSchedulerFromConfig } from '../../src/scheduler/http/server.js';
import { buildScenario } from '../../src/scenario/build.js';
import { loadScenario } from '../../src/scenario/load.js';
import { compareStrategies } from '../../src/sim/compare.js';
import { EV, type EventLog } from '../../src/sim/log.js';
import type { RunMetrics } from '../../src/sim/metrics/index.js';
import type { SloAttainment } from '../../src/scheduler/slo.js';
import { DATA, drs, ROOT } from '../cli/helpers.js';

/**
 * The production scheduler built from `drs serve-config`'s file places a fixed batch of requests
 * exactly as the simulator runs that row (`compareStrategies`, as `drs run` does): every start
 * (time, request, node), completion, preemption and rejection, in order. The production side is
 * driven on a virtual clock as in engine-parity.test.ts: each request submitted at its arrival,
 * each allocation released when its work is done, completions at an instant before arrivals.
 *
 * The batch: 60 requests at whole milliseconds, over the scenario's tenants, all five priorities,
 * some preemptible; demands sized to the scenario's pools so work waits, is preempted (where the
 * row preempts) and held back by quotas (where it has them). No two arrivals and completions share
 * an instant (checked): the simulator runs one pass per instant (`drs run`'s default), production
 * one per operation, so simultaneous events are where the two drivers may legitimately differ
 * (engine-parity.test.ts runs the simulator per event to compare those).
 */
interface Spec {
  readonly id: string;
  readonly arrivalMs: number;
  readonly durationMs: number;
  readonly demand: Readonly<Record<string, number>>;
  readonly priority: Priority;
  readonly tenant: string;
  readonly preemptible: boolean;
  readonly pool?: string;
}

const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'background'];

function batch(seed: number, tenants: readonly string[], shapes: readonly { demand: Record<string, number>; pool?: string }[]): Spec[] {
  const rng = new Rng(seed);
  let t = 0;
  return Array.from({ length: 60 }, (_, i) => {
    t += 50 + rng.int(1000);
    const shape = rng.pick(shapes);
    return {
      id: `r${i}`,
      arrivalMs: t,
      durationMs: 1000 + rng.int(30_000),
      demand: shape.demand,
      priority: rng.pick(PRIORITIES),
      tenant: rng.pick(tenants),
      preemptible: rng.int(3) === 0,
      ...(shape.pool !== undefined ? { pool: shape.pool } : {}),
    };
  });
}

const lineOf = (log: EventLog, i: number): string | undefined => {
  const k = log.kind(i);
  const ms = Math.round(log.time(i) * 1000);
  const id = log.requests[log.ref(i)]?.id;
  if (k === EV.start) return `${ms} start ${id} ${log.node(i)}`;
  if (k === EV.complete) return `${ms} complete ${id}`;
  if (k === EV.preempt) return `${ms} preempt ${id}`;
  if (k === EV.reject) return `${ms} reject ${id} ${REJECTION_CODES[log.node(i)]}`;
  return undefined;
};

/**
 * The SLO wait per class the trace of scenarios/default.yaml gives its requests (trace.priorities[i].sloWait),
 * written here by hand: production gets them through the exported config's `sloWait`.
 */
const DEFAULT_YAML_SLO: Partial<Record<Priority, number>> = { critical: 1, high: 2, medium: 30, low: 300 };

/** The row as `drs run` runs it, on the batch instead of the scenario's trace (no failures, no horizon). */
async function simulate(scenario: string, label: string, specs: readonly Spec[]): Promise<string[]> {
  return (await simulateWithSla(scenario, label, specs, {})).lines;
}

async function simulateWithSla(scenario: string, label: string, specs: readonly Spec[], slo: Partial<Record<Priority, number>>): Promise<{ lines: string[]; sla: RunMetrics['sla'] }> {
  const file = path.resolve(ROOT, scenario);
  const built = await buildScenario(await loadScenario(file), { file, dataRoot: DATA, only: [label] });
  const { failures: _f, horizon: _h, ...input } = built;
  const requests: Request[] = specs.map((s) => ({
    id: s.id,
    tenant: s.tenant,
    arrival: s.arrivalMs / 1000,
    demand: built.space.vector(s.demand),
    duration: s.durationMs / 1000,
    priority: s.priority,
    ...(s.preemptible ? { preemptible: true } : {}),
    ...(s.pool !== undefined ? { constraints: { pools: [s.pool] } } : {}),
    ...(slo[s.priority] !== undefined ? { sloWait: slo[s.priority] } : {}),
  }));
  let lines: string[] = [];
  const strategies = input.strategies.filter((s) => s.label === label);
  expect(strategies).toHaveLength(1);
  const res = await compareStrategies({ ...input, strategies, requests: () => requests, onLog: (_i, _l, log) => void (lines = Array.from({ length: log.length }, (_, i) => lineOf(log, i)).filter((l): l is string => l !== undefined)) });
  const r = res.results[0];
  if (r?.state !== 'completed') throw new Error(`the row did not complete: ${JSON.stringify(r)}`);
  return { lines, sla: r.metrics.sla };
}

/** ResourceScheduler built from the exported file, on a virtual clock. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-export-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function produce(scenario: string, label: string, specs: readonly Spec[]): Promise<string[]> {
  return (await produceWithSlo(scenario, label, specs)).lines;
}

async function produceWithSlo(scenario: string, label: string, specs: readonly Spec[]): Promise<{ lines: string[]; slo: SloAttainment }> {
  const out = path.join(dir, `${path.basename(scenario, '.yaml')}-${label.replace(/[^a-z0-9]+/gi, '_')}.yaml`);
  const r = await drs(['serve-config', scenario, '--strategy', label, '--out', out]);
  expect(r.code).toBe(0);
  const text = readFileSync(out, 'utf8');
  const env = Object.fromEntries([...text.matchAll(/tokenEnv: (\w+)/g)].map((m, i) => [m[1] as string, `token-${String(i).padStart(12, '0')}`]));
  let now = 0;
  const sched = await createSchedulerFromConfig(loadServeConfig(out, env), { clock: () => now, timers: false });
  await sched.ready();
  const byId = new Map(specs.map((s) => [s.id, s]));
  const lines: string[] = [];
  // Work ends, in (time, order scheduled) as the simulator kernel orders them; a stale end (the work was preempted since) is skipped.
  const ends: { ms: number; seq: number; id: string; token: number }[] = [];
  const live = new Map<string, number>();
  let seq = 0;
  sched.on('allocated', (e) => {
    const s = byId.get(e.allocation.id) as Spec;
    lines.push(`${now} start ${s.id} ${e.allocation.nodeId}`);
    const token = seq++;
    live.set(s.id, token);
    ends.push({ ms: now + s.durationMs, seq: token, id: s.id, token });
  });
  sched.on('preempted', (e) => {
    lines.push(`${now} preempt ${e.allocation.id}`);
    live.delete(e.allocation.id);
  });
  sched.on('released', (e) => lines.push(`${now} complete ${e.allocation.id}`));
  sched.on('rejected', (e) => lines.push(`${now} reject ${e.requestId} ${e.rejection.code}`));
  const runUntil = (limit: number): void => {
    for (;;) {
      ends.sort((a, b) => a.ms - b.ms || a.seq - b.seq);
      const next = ends[0];
      if (next === undefined || next.ms > limit) return;
      ends.shift();
      if (live.get(next.id) !== next.token) continue;
      live.delete(next.id);
      now = next.ms;
      sched.release(next.id);
    }
  };
  for (const s of specs) {
    runUntil(s.arrivalMs);
    now = s.arrivalMs;
    sched.allocate({ id: s.id, tenant: s.tenant, priority: s.priority, demand: s.demand, estimatedDurationMs: s.durationMs, ...(s.preemptible ? { preemptible: true } : {}), ...(s.pool !== undefined ? { pool: s.pool } : {}) });
  }
  runUntil(Infinity);
  sched.tick();
  sched.checkInvariants();
  const slo = sched.sloAttainment();
  sched.close();
  return { lines, slo };
}

/** The premise: every arrival and every completion at its own instant. */
function distinctInstants(specs: readonly Spec[], lines: readonly string[]): boolean {
  const at = [...specs.map((s) => s.arrivalMs), ...lines.filter((l) => l.includes(' complete ')).map((l) => Number(l.split(' ')[0]))];
  return new Set(at).size === at.length;
}

const count = (lines: readonly string[], kind: string): number => lines.filter((l) => l.split(' ')[1] === kind).length;

const FLEET_TENANTS = ['search-agents', 'coding-agents', 'support-bot'];
const FLEET_SHAPES: readonly { demand: Record<string, number>; pool?: string }[] = [
  { demand: { cpu: 16, memory: 256, gpu: 4 } },
  { demand: { cpu: 8, memory: 64, gpu: 2 }, pool: 'l4' },
  { demand: { cpu: 24, memory: 512, gpu: 6 }, pool: 'h100' },
  { demand: { cpu: 16, memory: 32 }, pool: 'cpu' },
  { demand: { cpu: 4, memory: 16, gpu: 0.5 } },
];
const PIPELINE_TENANTS = ['planner', 'web_search', 'browser', 'code_runner', 'retriever', 'summariser'];
const PIPELINE_SHAPES: readonly { demand: Record<string, number>; pool?: string }[] = [
  { demand: { cpu: 4, memory: 16, gpu: 1 }, pool: 'gpu' },
  { demand: { cpu: 8, memory: 8 }, pool: 'cpu' },
  { demand: { cpu: 12, memory: 16 }, pool: 'cpu' },
  { demand: { cpu: 4, memory: 32, gpu: 1 } },
];

describe('the scheduler built from an exported config places a fixed batch exactly as the simulator runs the row', () => {
  it.each(['best-fit-decreasing', 'first-fit', 'best-fit-decreasing+preempt'])('scenarios/default.yaml, %s', async (label) => {
    const specs = batch(7, FLEET_TENANTS, FLEET_SHAPES);
    const sim = await simulate('scenarios/default.yaml', label, specs);
    expect(distinctInstants(specs, sim)).toBe(true);
    expect(await produce('scenarios/default.yaml', label, specs)).toEqual(sim);
    // The batch is one the row's rules matter for: work waited, and (with preemption) was evicted.
    const waited = sim.filter((l) => l.includes(' start ') && Number(l.split(' ')[0]) !== (specs.find((s) => s.id === l.split(' ')[2]) as Spec).arrivalMs);
    expect(waited.length).toBeGreaterThan(10);
    if (label.endsWith('+preempt')) expect(count(sim, 'preempt')).toBeGreaterThan(0);
  });

  it.each(['best-fit-decreasing', 'bfd/no-quotas', 'bfd/fcfs-blocking'])('scenarios/agent-pipeline.yaml, %s', async (label) => {
    const specs = batch(5, PIPELINE_TENANTS, PIPELINE_SHAPES);
    const sim = await simulate('scenarios/agent-pipeline.yaml', label, specs);
    expect(distinctInstants(specs, sim)).toBe(true);
    expect(await produce('scenarios/agent-pipeline.yaml', label, specs)).toEqual(sim);
    expect(count(sim, 'complete')).toBe(specs.length);
  });

  it('the rows differ on the batch, so matching the right row is a real check', async () => {
    const specs = batch(5, PIPELINE_TENANTS, PIPELINE_SHAPES);
    const quotas = await simulate('scenarios/agent-pipeline.yaml', 'best-fit-decreasing', specs);
    expect(await simulate('scenarios/agent-pipeline.yaml', 'bfd/no-quotas', specs)).not.toEqual(quotas);
    expect(await simulate('scenarios/agent-pipeline.yaml', 'bfd/fcfs-blocking', specs)).not.toEqual(quotas);
    const fleet = batch(7, FLEET_TENANTS, FLEET_SHAPES);
    expect(await simulate('scenarios/default.yaml', 'best-fit-decreasing+preempt', fleet)).not.toEqual(await simulate('scenarios/default.yaml', 'best-fit-decreasing', fleet));
  });
});

describe("SLA attainment by priority in production equals the simulator's for the same row and batch", () => {
  it.each(['best-fit-decreasing', 'best-fit-decreasing+preempt'])('scenarios/default.yaml, %s (the SLO waits carried by drs serve-config)', async (label) => {
    const specs = batch(7, FLEET_TENANTS, FLEET_SHAPES);
    const sim = await simulateWithSla('scenarios/default.yaml', label, specs, DEFAULT_YAML_SLO);
    const prod = await produceWithSlo('scenarios/default.yaml', label, specs);
    expect(prod.lines).toEqual(sim.lines);
    expect(prod.slo.pending).toBe(0);
    for (const p of PRIORITIES) {
      const { withSlo, met, attainment } = prod.slo.byPriority[p];
      expect({ priority: p, withSlo, met, attainment }).toEqual({ priority: p, ...sim.sla.byPriority[p] });
    }
    const { withSlo, met, attainment } = prod.slo.overall;
    expect({ withSlo, met, attainment }).toEqual(sim.sla.overall);
    // A batch the rule matters for: some requests met their SLO and some missed it, in more than one class.
    expect(sim.sla.overall.met).toBeGreaterThan(0);
    expect(sim.sla.overall.met).toBeLessThan(sim.sla.overall.withSlo);
    expect(PRIORITIES.filter((p) => { const c = sim.sla.byPriority[p]; return c.met > 0 && c.met < c.withSlo; }).length).toBeGreaterThan(0);
  });
});
