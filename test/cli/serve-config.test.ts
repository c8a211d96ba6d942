import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PreemptingAllocator } from '../../src/algorithms/preemption.js';
import type { CliIo } from '../../src/cli/command.js';
import { exportScenario, scenarioServeConfig } from '../../src/cli/serve-config.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { loadServeConfig, type ServeConfig } from '../../src/scheduler/config.js';
import { createSchedulerFromConfig } from '../../src/scheduler/http/server.js';
import { toPoolSpec } from '../../src/scheduler/inputs.js';
import { buildScenario, type BuiltScenario } from '../../src/scenario/build.js';
import { loadScenario } from '../../src/scenario/load.js';
import { DATA, drs, ROOT, tmpFile } from './helpers.js';

/**
 * `drs serve-config`: the exported file loads with the serve-config loader, and the scheduler it
 * builds runs the row the simulator ran: the same allocator (name and parsed options), preemption,
 * queue policy (name and options), quotas and scaling policy, on the same pools.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-serve-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every token variable the exported configs read, set (as `export ...=$(openssl rand -hex 24)` would). */
function tokenEnv(text: string): Record<string, string> {
  const names = [...text.matchAll(/tokenEnv: (\w+)/g)].map((m) => m[1] as string);
  return Object.fromEntries(names.map((n, i) => [n, `token-${String(i).padStart(12, '0')}`]));
}

async function exported(scenario: string, label: string): Promise<{ config: ServeConfig; text: string; file: string }> {
  const file = path.join(dir, `${path.basename(scenario, '.yaml')}-${label.replace(/[^a-z0-9]+/gi, '_')}.yaml`);
  const r = await drs(['serve-config', scenario, '--strategy', label, '--out', file]);
  expect(r.err).toContain(`serve config for row '${label}' written to ${file}`);
  expect(r.code).toBe(0);
  const text = readFileSync(file, 'utf8');
  return { config: loadServeConfig(file, tokenEnv(text)), text, file };
}

async function simulated(scenario: string): Promise<BuiltScenario> {
  const file = path.resolve(ROOT, scenario);
  return buildScenario(await loadScenario(file), { file, dataRoot: DATA });
}

/** The SLO waits (seconds) the simulator's requests carry, by class: every value seen. */
async function requestSloWaits(built: BuiltScenario): Promise<Record<string, number[]>> {
  const seen: Record<string, Set<number>> = {};
  for await (const r of built.requests()) if (r.sloWait !== undefined) (seen[r.priority] ??= new Set()).add(r.sloWait);
  return Object.fromEntries(Object.entries(seen).map(([p, v]) => [p, [...v]]));
}

/** What the simulator runs for a row (compare.ts): the allocator (split from its preemption wrapper under quotas), queue, scaling, quotas. */
async function compareRow(scenario: string, label: string): Promise<ServeConfig> {
  const built = await simulated(scenario);
  const run = built.strategies.find((s) => s.label === label);
  if (run === undefined) throw new Error(`no row ${label}`);
  const { config } = await exported(scenario, label);
  const simAllocator = run.allocator();
  const preempting = simAllocator instanceof PreemptingAllocator;
  const simQuotas = run.quotas === undefined ? built.quotas : (run.quotas ?? undefined);
  const sched = await createSchedulerFromConfig(config, { timers: false });
  try {
    expect(config.preemption).toBe(preempting);
    // The allocator the scheduler built: same class, same parsed options (own fields), as the simulator's.
    const inner = preempting ? simAllocator.inner : simAllocator;
    expect(sched.allocator.constructor).toBe(inner.constructor);
    expect(sched.allocator.name).toBe(inner.name);
    expect(JSON.stringify(sched.allocator)).toBe(JSON.stringify(inner));
    const simQueue = run.queue();
    expect(sched.queuePolicy?.name).toBe(simQueue.name);
    expect(sched.queuePolicy?.blocking).toBe(simQueue.blocking);
    expect(sched.queuePolicy?.headOfLine).toBe(simQueue.headOfLine);
    expect(sched.queuePolicy?.backfill?.name).toBe(simQueue.backfill?.name);
    expect(JSON.stringify(sched.queuePolicy)).toBe(JSON.stringify(simQueue));
    expect(sched.scalingPolicy?.name).toBe(run.scaling?.().name);
    expect(config.quotas).toEqual(simQuotas);
    // The queue the simulator has: no timeout that a run could reach, work evicted waits again.
    expect(config.queue?.timeoutMs).toBe(365 * 86400 * 1000);
    expect(config.queue?.requeuePreempted).toBe(true);
    // The pools, as the scheduler reads them, are the simulator's.
    const space = new ResourceSpace(config.dimensions ?? []);
    expect(space.names).toEqual(built.space.names);
    expect((config.pools ?? []).map((p) => toPoolSpec(p, space))).toEqual(built.pools);
    expect(sched.listPools().map((p) => p.name)).toEqual(built.pools.map((p) => p.name));
    // The seed the simulator forks its strategies' randomness from (the scenario's; 1 if it has none).
    expect(config.seed).toBe(built.seed);
    // The SLO wait of each class is the one every request of the class carries in the simulation.
    const sims = await requestSloWaits(built);
    expect(Object.fromEntries(Object.entries(config.sloWaitMs ?? {}).filter(([p]) => sims[p] !== undefined).map(([p, ms]) => [p, [ms / 1000]]))).toEqual(sims);
  } finally {
    sched.close();
  }
  return config;
}

describe('drs serve-config: export, load, compare with the simulator', () => {
  it.each(['first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin', 'best-fit-decreasing+preempt'])('scenarios/default.yaml, row %s', async (label) => {
    const config = await compareRow('scenarios/default.yaml', label);
    expect(config.strategy).toBe(label.replace('+preempt', ''));
    expect(config.queue?.policy).toBe('priority');
    expect(config.quotas).toBeUndefined();
    // trace.priorities[i].sloWait of the scenario (background has none).
    expect(config.sloWaitMs).toEqual({ critical: 1000, high: 2000, medium: 30_000, low: 300_000 });
  });

  it('scenarios/agent-pipeline.yaml, bfd/no-quotas: the row runs without the scenario quotas', async () => {
    const config = await compareRow('scenarios/agent-pipeline.yaml', 'bfd/no-quotas');
    expect(config.quotas).toBeUndefined();
    expect(config.sloWaitMs).toBeUndefined(); // the agent fleet gives no SLO
    expect(config.queue?.policy).toBe('priority');
  });

  it("scenarios/agent-pipeline.yaml, bfd/fcfs-blocking: the row's own queue, the scenario's quotas", async () => {
    const config = await compareRow('scenarios/agent-pipeline.yaml', 'bfd/fcfs-blocking');
    expect(config.queue?.policy).toBe('fcfs');
    expect(config.quotas?.tenants.summariser).toEqual({ guaranteed: { gpu: 0.5 } });
    expect(Object.keys(config.quotas?.tenants ?? {})).toEqual(['web_search', 'code_runner', 'summariser']);
  });

  it('a scaling policy with options (autoscale-genai, predictive) carries over whole', async () => {
    const config = await compareRow('scenarios/autoscale-genai.yaml', 'predictive');
    expect(config.scaling?.policy).toBe('predictive');
    expect(config.sloWaitMs).toEqual({ high: 60_000 });
    expect(config.scaling?.options).toMatchObject({ forecaster: 'holt', quantile: 0.95, reactive: { target: 1, scaleDown: { stabilizationSeconds: 60 } } });
  });
});

describe('drs serve-config: the file', () => {
  it('has a header naming the scenario, the row and what is not carried over; tokens are env placeholders only', async () => {
    const { text, config } = await exported('scenarios/default.yaml', 'best-fit-decreasing+preempt');
    expect(text.startsWith("# drs serve config for row 'best-fit-decreasing+preempt' (strategies[4]) of scenario 'agent-fleet'\n")).toBe(true);
    expect(text).toContain('# exported by: drs serve-config scenarios/default.yaml --strategy best-fit-decreasing+preempt\n');
    expect(text).toMatch(/# scenario file: scenarios\/default\.yaml \(sha256 [0-9a-f]{16}…\), seed 42\n/);
    for (const item of ['trace (kind synthetic)', 'horizon 1h', 'failures:', 'decisionBudget 1s', 'the other rows: first-fit, best-fit-decreasing, worst-fit, round-robin']) expect(text).toContain(`#   - ${item}`);
    expect(text).toMatch(/^seed: 42$/m); // carried: production forks its strategies' randomness from it, as the simulator does
    expect(text).not.toContain('#   - sloWait'); // carried over now
    expect(text).toContain('sloWait:\n  critical: 1s\n  high: 2s\n  medium: 30s\n  low: 5m\n');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/); // no date: the same inputs give the same file
    expect(text).not.toMatch(/^\s*-?\s*\{?\s*token:/m);
    expect(config.tokens.map((t) => t.tenant ?? 'admin')).toEqual(['admin', 'search-agents', 'coding-agents', 'support-bot']);
    const again = await drs(['serve-config', 'scenarios/default.yaml', '--strategy', 'best-fit-decreasing+preempt']);
    expect(again.out).toBe(text.endsWith('\n') ? text : `${text}\n`); // stdout: the same bytes
  });

  it('--seed writes the seed a drs run --seed chose the row on, and says so in the header', async () => {
    const r = await drs(['serve-config', 'scenarios/default.yaml', '--strategy', 'first-fit', '--seed', '07']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^seed: 7$/m); // read as drs run reads it: 07 is seed 7
    expect(r.out).toContain('# exported by: drs serve-config scenarios/default.yaml --strategy first-fit --seed 7\n');
    expect(r.out).toContain(', seed 7\n');
    const bad = await drs(['serve-config', 'scenarios/default.yaml', '--strategy', 'first-fit', '--seed', '']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--seed must be a non-empty word/);
  });

  it('a token is read from its variable: unset, the config refuses to load, naming it', async () => {
    const { file } = await exported('scenarios/agent-pipeline.yaml', 'bfd/no-quotas');
    const env = tokenEnv(readFileSync(file, 'utf8'));
    delete env.DRS_TOKEN_WEB_SEARCH;
    expect(() => loadServeConfig(file, env)).toThrow(/field 'tokens\[2\]\.tokenEnv': environment variable DRS_TOKEN_WEB_SEARCH is not set/);
  });

  it("a scheduled policy's clock origin (offsetSeconds, startDayOfWeek) is left out and said", async () => {
    const sc = tmpFile(
      'sched.yaml',
      `name: sched
pools: [{ name: w, capacity: { cpu: 8, memory: 32Gi }, nodes: { min: 1, max: 4, initial: 1 }, pricePerHour: 1 }]
trace: { kind: synthetic, horizon: 1h, arrival: { rate: 1 }, profiles: [{ name: p, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 10 } }] }
strategies:
  - { name: first-fit, scaling: { policy: scheduled, options: { startDayOfWeek: 3, offsetSeconds: '08:00', rules: [{ pool: w, nodes: 3, at: '09:00', days: [mon] }] } } }
`,
    );
    const out = path.join(path.dirname(sc), 'serve.yaml');
    const r = await drs(['serve-config', sc, '--out', out]);
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('#   - scaling.options offsetSeconds "08:00", startDayOfWeek 3: they place the simulator\'s t = 0 on the calendar');
    const config = loadServeConfig(out, tokenEnv(text));
    expect(config.scaling).toEqual({ policy: 'scheduled', options: { rules: [{ pool: 'w', nodes: 3, at: '09:00', days: ['mon'] }] } });
  });

  it('pools read from a node list are written out one by one', async () => {
    const sc = tmpFile('nodes.yaml', 'name: inv\npools: { kind: alibaba-nodes, file: gpu-cluster/openb_node_list_gpu_node.csv.gz }\ntrace: { kind: alibaba-gpu, file: gpu-cluster/openb_pod_list_default.csv.gz }\nqueue: priority\nstrategies: [fgd]\n');
    const out = path.join(path.dirname(sc), 'serve.yaml');
    const r = await drs(['serve-config', sc, '--out', out]);
    expect(r.err).toContain("serve config for row 'fgd'");
    const text = readFileSync(out, 'utf8');
    const config = loadServeConfig(out, tokenEnv(text));
    const built = await buildScenario(await loadScenario(sc), { file: sc, dataRoot: DATA });
    const space = new ResourceSpace(config.dimensions ?? []);
    expect(built.pools.length).toBeGreaterThan(5);
    expect((config.pools ?? []).map((p) => toPoolSpec(p, space))).toEqual(built.pools.map(({ nodeNames: _n, ...p }) => p));
    expect(text).toMatch(/# {3}- pools: the node list's host names \(alibaba-nodes\); its \d+ pool\(s\) are written out/);
  });
});

describe('drs serve-config: errors', () => {
  it('an unknown label lists the labels drs run prints (exit 2, one line)', async () => {
    const r = await drs(['serve-config', 'scenarios/agent-pipeline.yaml', '--strategy', 'bfd']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs serve-config: ${path.join(ROOT, 'scenarios/agent-pipeline.yaml')}: --strategy 'bfd': no row of the scenario has this label (labels, as drs run prints them: 'best-fit-decreasing', 'first-fit', 'bfd/no-quotas', 'bfd/fcfs-blocking')\n`);
  });

  it('no --strategy with several rows says to choose one', async () => {
    const r = await drs(['serve-config', 'scenarios/default.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('the scenario compares 6 strategies: choose one with --strategy LABEL');
  });

  it('a missing scenario file', async () => {
    const r = await drs(['serve-config', 'nosuch.yaml', '--strategy', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs serve-config: ${path.join(ROOT, 'nosuch.yaml')}: scenario file not found\n`);
  });

  it('a protocol scenario is refused, naming the field', async () => {
    const r = await drs(['serve-config', 'scenarios/swf-reference-lublin.yaml', '--strategy', 'fcfs']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/swf-reference-lublin\.yaml:\d+, field 'protocol': protocol rlscheduler cannot be served/);
  });

  it('a pool name drs serve cannot take is refused, naming the field', async () => {
    const sc = tmpFile('bad.yaml', "name: bad\npools: [{ name: 'gpu pool', capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }]\ntrace: { kind: synthetic, horizon: 1h, arrival: { rate: 1 }, profiles: [{ name: p, demand: { cpu: 1 }, duration: { dist: fixed, value: 10 } }] }\nstrategies: [first-fit]\n");
    const r = await drs(['serve-config', sc]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("field 'pools[0].name': pool name 'gpu pool' cannot be served");
  });

  it('--out naming the scenario itself is refused before anything is written', async () => {
    const r = await drs(['serve-config', 'scenarios/default.yaml', '--strategy', 'first-fit', '--out', 'scenarios/default.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a file this command reads');
  });
});

describe('drs serve --scenario: the same export, served in memory', () => {
  const io = (env: Record<string, string>): CliIo & { errors: string[] } => {
    const errors: string[] = [];
    return { out: () => {}, err: (s) => void errors.push(s), interactive: false, cwd: ROOT, env: { DRS_DATA_DIR: DATA, ...env }, errors };
  };

  it("builds the exported config; a tenant whose variable is unset gets no token, and that is said", async () => {
    const x = io({ DRS_ADMIN_TOKEN: 'admin-token-0123456789', DRS_TOKEN_WEB_SEARCH: 'web-search-token-0001' });
    const e = await exportScenario(x, 'scenarios/agent-pipeline.yaml', 'bfd/fcfs-blocking', undefined, undefined);
    const config = scenarioServeConfig(x, e);
    expect(config.tokens).toEqual([{ token: 'admin-token-0123456789', admin: true }, { token: 'web-search-token-0001', tenant: 'web_search' }]);
    expect(x.errors).toEqual(['planner', 'browser', 'code_runner', 'retriever', 'summariser'].map((t) => `drs serve: note: no token for tenant '${t}' (set DRS_TOKEN_${t.toUpperCase()} to give it one)\n`));
    expect(config.queue?.policy).toBe('fcfs');
    expect(config.strategy).toBe('best-fit-decreasing');
    expect(config.quotas?.tenants.web_search).toEqual({ max: { cpu: 0.4 } });
  });

  it("serves the scenario's SLO waits: a request of a class gets its class's SLO", async () => {
    const x = io({ DRS_ADMIN_TOKEN: 'admin-token-0123456789' });
    const config = scenarioServeConfig(x, await exportScenario(x, 'scenarios/default.yaml', 'first-fit', undefined, undefined));
    expect(config.sloWaitMs).toEqual({ critical: 1000, high: 2000, medium: 30_000, low: 300_000 });
    const sched = await createSchedulerFromConfig(config, { timers: false });
    try {
      expect(sched.allocate({ priority: 'high', units: 1 }).status).toBe('allocated');
      expect(sched.allocate({ priority: 'background', units: 1 }).status).toBe('allocated');
      const a = sched.sloAttainment();
      expect(a.byPriority.high).toEqual({ withSlo: 1, met: 1, missed: 0, attainment: 1 });
      expect(a.byPriority.background.withSlo).toBe(0);
    } finally {
      sched.close();
    }
  });

  it('refuses to start without DRS_ADMIN_TOKEN, and --scenario with --config', async () => {
    const x = io({});
    const e = await exportScenario(x, 'scenarios/default.yaml', 'first-fit', undefined, undefined);
    expect(() => scenarioServeConfig(x, e)).toThrow('--scenario: set DRS_ADMIN_TOKEN to an admin token of at least 16 characters');
    const both = await drs(['serve', '--scenario', 'scenarios/default.yaml', '--config', 'examples/serve-config.yaml']);
    expect(both.code).toBe(2);
    expect(both.err).toBe('drs serve: give either --config FILE or --scenario FILE, not both (drs serve-config writes a scenario row as a config file)\n');
    const alone = await drs(['serve', '--strategy', 'first-fit']);
    expect(alone.err).toBe('drs serve: --strategy goes with --scenario FILE\n');
  });
});
