import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LearnedAllocator } from '../../src/algorithms/learned.js';
import type { AllocatorName } from '../../src/algorithms/registry.js';
import { ConfigError } from '../../src/core/errors.js';
import { LearnedQueue } from '../../src/queue/learned-queue.js';
import type { QueuePolicyName } from '../../src/queue/registry.js';
import { buildScenario } from '../../src/scenario/build.js';
import { parseScenario, validateScenarioObject } from '../../src/scenario/load.js';
import { protocolQueue } from '../../src/scenario/protocol.js';
import { loadServeConfig, parseServeConfig } from '../../src/scheduler/config.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * A learned strategy's model named by file (`learned:FILE.json`, `learned-queue:FILE.json`, or
 * option `model`) in a scenario, a serve config and the library: a relative file is the config
 * file's folder's, and a missing, malformed or wrong-kind model is reported when the file is
 * read (drs validate), naming the line and field, not when the run reaches the strategy.
 */
const MODELS = path.resolve(import.meta.dirname, '../../models');
const dir = mkdtempSync(path.join(tmpdir(), 'drs-model-refs-'));
const sub = path.join(dir, 'models');
mkdirSync(sub);
copyFileSync(path.join(MODELS, 'allocator/agent-fleet.json'), path.join(sub, 'fleet.json'));
copyFileSync(path.join(MODELS, 'queue/hpc2n.json'), path.join(sub, 'q.json'));
writeFileSync(path.join(sub, 'broken.json'), '{ "format": 1, "kind": "queue"');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenarioFile = path.join(dir, 'scenario.yaml');
const scenario = (strategies: string, queue = 'fcfs'): string =>
  [
    'name: refs',
    'seed: 1',
    'dimensions: [cpu, memory, gpu]',
    'pools:',
    '  - { name: p, capacity: { cpu: 8, memory: 32Gi, gpu: 0 }, nodes: 2, pricePerHour: 1 }',
    'trace: { kind: synthetic, count: 20, arrival: { rate: 1 }, profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi } }] }',
    `queue: ${queue}`,
    'strategies:',
    '  - first-fit',
    strategies,
    '',
  ].join('\n');

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('learned models named by file in a scenario', () => {
  it("resolves a relative file against the scenario's folder, whatever the working directory", async () => {
    const sc = parseScenario(scenario('  - learned:models/fleet.json\n  - { name: first-fit, queue: learned-queue:./models/q.json }'), scenarioFile);
    expect(sc.strategies[1]).toMatchObject({ name: 'learned', options: { model: path.join(sub, 'fleet.json') } });
    expect(sc.strategies[2]).toMatchObject({ queue: { name: 'learned-queue', options: { model: path.join(sub, 'q.json') } } });
    const input = await buildScenario(sc, { file: scenarioFile, dataRoot: dir });
    expect(input.strategies.map((s) => s.label)).toEqual(['first-fit', 'learned:fleet', 'first-fit/learned-queue:q']);
    expect(input.strategies[1]?.allocator()).toBeInstanceOf(LearnedAllocator);
    const q = input.strategies[2]?.queue() as LearnedQueue;
    expect(q).toBeInstanceOf(LearnedQueue);
    expect(q.net.model.name).toBe(JSON.parse(readFileSync(path.join(sub, 'q.json'), 'utf8')).name);
  });

  it('drs run --strategies picks by label, label prefix or allocator name', async () => {
    const sc = parseScenario(scenario('  - { name: learned:models/fleet.json, label: L2 }\n  - { name: first-fit, label: ff-q, queue: learned-queue:models/q.json }'), scenarioFile);
    const labels = async (only: string[]) => (await buildScenario(sc, { file: scenarioFile, dataRoot: dir, only })).strategies.map((s) => s.label);
    expect(await labels(['learned'])).toEqual(['L2']);
    expect(await labels(['first-fit'])).toEqual(['first-fit', 'ff-q']);
    expect(await labels(['ff-q'])).toEqual(['ff-q']);
    // A name that is no row adds that strategy (test/scenario/cli-strategies.test.ts); one that is no strategy either is refused.
    expect(await labels(['worst-fit', 'ff-q'])).toEqual(['ff-q', 'worst-fit']);
    await expect(labels(['worst-fitt'])).rejects.toThrow(/--strategies 'worst-fitt' is not a row of the scenario \(it has: first-fit, L2, ff-q\) and not a strategy to add: unknown strategy 'worst-fitt'/);
  });

  it('the option form and the name form are the same reference; only the name form changes the default label', async () => {
    const a = parseScenario(scenario('  - { name: learned, options: { model: models/fleet.json } }\n  - { name: first-fit, queue: { name: learned-queue, options: { model: models/q.json } } }'), scenarioFile);
    const b = parseScenario(scenario('  - learned:models/fleet.json\n  - { name: first-fit, queue: learned-queue:models/q.json }'), scenarioFile);
    const plain = (sc: typeof a) => sc.strategies.map((s) => ({ name: s.name, options: 'options' in s ? s.options : undefined, queue: 'queue' in s && s.queue !== undefined ? { name: s.queue.name, options: s.queue.options } : undefined }));
    expect(plain(a)).toEqual(plain(b));
    const labels = async (sc: typeof a) => (await buildScenario(sc, { file: scenarioFile, dataRoot: dir })).strategies.map((s) => s.label);
    expect(await labels(a)).toEqual(['first-fit', 'learned', 'first-fit/learned-queue']);
    expect(await labels(b)).toEqual(['first-fit', 'learned:fleet', 'first-fit/learned-queue:q']);
  });

  it("a model named by file keeps +preempt in its default label (it was dropped, and the second row became 'learned:fleet#3')", async () => {
    const sc = parseScenario(scenario('  - learned:models/fleet.json\n  - { name: learned:models/fleet.json, preemption: true }'), scenarioFile);
    expect((await buildScenario(sc, { file: scenarioFile, dataRoot: dir })).strategies.map((s) => s.label)).toEqual(['first-fit', 'learned:fleet', 'learned:fleet+preempt']);
  });

  it('options that are not a mapping are named as such with a file in the name', () => {
    const e = configError(() => parseScenario(scenario('  - { name: learned:models/fleet.json, options: [] }'), scenarioFile));
    expect(e.location.field).toBe('strategies[1].options');
    expect(e.message).toContain('expected a mapping of options');
  });

  it('reports a missing, malformed or wrong-kind model at its line and field', () => {
    const at = (strategies: string) => configError(() => parseScenario(scenario(strategies), scenarioFile));
    const missing = at('  - learned:models/none.json');
    expect(missing.location).toMatchObject({ file: scenarioFile, line: 10, field: 'strategies[1]' });
    expect(missing.message).toContain(`cannot read model file ${path.join(sub, 'none.json')}`);
    const kind = at('  - { name: first-fit, queue: { name: learned-queue, options: { model: models/fleet.json } } }');
    expect(kind.location.field).toBe('strategies[1].queue.options.model');
    expect(kind.message).toMatch(/fleet\.json, field 'kind': this is an allocator model; a queue model is needed here/);
    const broken = at('  - { name: learned:models/broken.json }');
    expect(broken.location.field).toBe('strategies[1].name');
    expect(broken.message).toMatch(/broken\.json:1: model file is not valid JSON/);
    const shipped = at('  - { name: learned, options: { model: nope } }');
    expect(shipped.message).toMatch(/no shipped allocator model named 'nope'/);
    const both = at('  - { name: learned:models/fleet.json, options: { model: models/fleet.json } }');
    expect(both.message).toMatch(/names its model file; remove option model/);
    const top = configError(() => parseScenario(scenario('', 'learned-queue:models/fleet.json'), scenarioFile));
    expect(top.location).toMatchObject({ line: 7, field: 'queue' });
  });

  it("a sweep's scenario object resolves against the scenario file's folder", () => {
    const sc = validateScenarioObject({ name: 'x', pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }], trace: { kind: 'synthetic', arrival: { rate: 1 }, profiles: [{ name: 'p', weight: 1, demand: { cpu: 1 } }] }, dimensions: ['cpu'], strategies: ['learned:models/fleet.json'] }, 'sweep.yaml (cell)', dir);
    expect(sc.strategies[0]).toMatchObject({ options: { model: path.join(sub, 'fleet.json') } });
  });

  it('protocol rlscheduler takes learned-queue:FILE.json and the option form, and runs that model', () => {
    const proto = (queue: string): string =>
      [
        'name: p',
        'dimensions: [cpu]',
        'pools: [{ name: m, capacity: { cpu: 128 }, nodes: 1, pricePerHour: 1 }]',
        'trace: { kind: swf, file: x.swf }',
        'protocol: { kind: rlscheduler }',
        'strategies:',
        `  - { name: first-fit, queue: ${queue} }`,
        '',
      ].join('\n');
    for (const q of ['learned-queue:models/q.json', '{ name: learned-queue, options: { model: models/q.json, backfill: easy } }']) {
      const sc = parseScenario(proto(q), scenarioFile);
      const ref = (sc.strategies[0] as { queue: Parameters<typeof protocolQueue>[0] }).queue;
      const policy = protocolQueue(ref)() as LearnedQueue;
      expect(policy).toBeInstanceOf(LearnedQueue);
      expect(policy.net.model).toMatchObject({ kind: 'queue', name: 'hpc2n' });
      expect(policy.backfill !== undefined).toBe(q.includes('easy'));
    }
  });
});

describe('learned models named by file in drs serve and ResourceScheduler', () => {
  const serve = (raw: Record<string, unknown>) => parseServeConfig({ tokens: [{ token: 'x'.repeat(24), admin: true }], ...raw }, path.join(dir, 'serve.yaml'), dir);

  it("resolves the file against the config's folder and reads it at start", () => {
    const cfg = serve({ strategy: 'learned:models/fleet.json', queue: { policy: 'learned-queue:models/q.json', options: { backfill: 'easy' } } });
    expect(cfg.strategy).toEqual({ name: 'learned', options: { model: path.join(sub, 'fleet.json') } });
    expect(cfg.queue).toMatchObject({ policy: 'learned-queue', options: { backfill: 'easy', model: path.join(sub, 'q.json') } });
    expect(serve({ strategy: 'learned:agent-fleet' }).strategy).toBe('learned:agent-fleet');
  });

  it('names an unknown learned name, a missing file and a wrong-kind model with the field', () => {
    const name = configError(() => serve({ strategy: 'learned:nope' }));
    expect(name.location.field).toBe('strategy');
    expect(name.message).toMatch(/unknown strategy 'learned:nope' \(known: first-fit, .*learned:agent-fleet/);
    const queue = configError(() => serve({ queue: { policy: 'learned-queue:nope' } }));
    expect(queue.location.field).toBe('queue.policy');
    expect(queue.message).toMatch(/unknown queue policy 'learned-queue:nope' \(known: fcfs, /);
    const missing = configError(() => serve({ strategy: { name: 'learned', options: { model: 'models/none.json' } } }));
    expect(missing.location.field).toBe('strategy.options.model');
    expect(missing.message).toContain('cannot read model file');
    const kind = configError(() => serve({ queue: { policy: 'learned-queue:models/fleet.json' } }));
    expect(kind.location.field).toBe('queue.policy');
    expect(kind.message).toMatch(/this is an allocator model; a queue model is needed here/);
  });

  it('a serve config file names the line as well, and the unknown option key', () => {
    const file = path.join(dir, 'serve.yaml');
    const load = () => configError(() => loadServeConfig(file, {}));
    writeFileSync(file, `tokens:\n  - { token: ${'x'.repeat(24)}, admin: true }\nstrategy: learned:models/none.json\n`);
    expect(load().location).toMatchObject({ file, line: 3, field: 'strategy' });
    writeFileSync(file, `tokens:\n  - { token: ${'x'.repeat(24)}, admin: true }\nqueue:\n  policy: learned-queue:hpc2n\n  options: { headOfLine: reorder }\n`);
    const key = load();
    expect(key.location).toMatchObject({ line: 5, field: 'queue.options.headOfLine' });
    expect(key.message).toContain("unknown key 'headOfLine'");
  });

  it('ResourceScheduler takes learned:FILE.json and learned-queue:FILE.json', () => {
    const s = new ResourceScheduler({ timers: false, strategy: `learned:${path.join(sub, 'fleet.json')}` as AllocatorName, queue: `learned-queue:${path.join(sub, 'q.json')}` as QueuePolicyName });
    s.addPool({ name: 'p', capacity: { cpu: 8, memory: 32, gpu: 0 }, nodes: 2, pricePerHour: 1, latencyMs: 1 });
    expect(s.allocate({ id: 'a', tenant: 't', priority: 'medium', demand: { cpu: 2, memory: 4 } }).status).toBe('allocated');
    s.close();
  });
});
