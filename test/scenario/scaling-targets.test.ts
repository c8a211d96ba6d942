import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { buildScenario } from '../../src/scenario/build.js';
import { parseScenario } from '../../src/scenario/load.js';

/*
 * Scaling options that name a pool the scenario lacks (`pools`, a scheduled rule, a static size)
 * or a dimension it lacks (`dimension` of metric utilization) would leave the policy silently
 * doing nothing for it: `drs validate` refuses them with the file, the line and the full field.
 */

const scenario = (scaling: string, strategies = '[first-fit]'): string => `name: scaling-targets
seed: 1
dimensions: [cpu, memory]
pools:
  - { name: w, capacity: { cpu: 4, memory: 16Gi }, nodes: { min: 1, max: 5, initial: 1 }, pricePerHour: 1, boot: 60s }
  - { name: v, capacity: { cpu: 8, memory: 32Gi }, nodes: { min: 0, max: 2, initial: 0 }, pricePerHour: 2 }
trace:
  kind: csv
  file: ./jobs.csv
  columns: { id: id, arrival: arrival, duration: duration, demand: { cpu: cpu, memory: { column: mem } } }
${scaling}
strategies: ${strategies}
`;

/** The ConfigError parseScenario throws for `text` (or fails the test). */
function refusal(text: string): ConfigError {
  try {
    parseScenario(text, 'as.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the scenario was accepted');
}

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('scaling options name pools and dimensions the scenario has', () => {
  it('reactive and predictive `pools`', () => {
    for (const policy of ['reactive', 'predictive']) {
      const text = scenario(`scaling: { policy: ${policy}, options: { pools: [w, nosuch] } }`);
      expect(refusal(text).message).toBe(`as.yaml:${lineOf(text, 'scaling:')}, field 'scaling.options.pools[1]': unknown pool 'nosuch' (pools: w, v)`);
    }
  });

  it('`dimension` of metric utilization is a name or an index of the dimensions', () => {
    const text = scenario('scaling:\n  policy: reactive\n  options:\n    metric: utilization\n    dimension: 7');
    expect(refusal(text).message).toBe(`as.yaml:${lineOf(text, 'dimension: 7')}, field 'scaling.options.dimension': there is no dimension 7: expected an index 0-1 or a name of the dimensions (0 = cpu, 1 = memory)`);
    const named = scenario('scaling:\n  policy: reactive\n  options:\n    metric: utilization\n    dimension: gpu');
    expect(refusal(named).message).toBe(`as.yaml:${lineOf(named, 'dimension: gpu')}, field 'scaling.options.dimension': unknown dimension 'gpu': expected a dimension's name or index (dimensions: 0 = cpu, 1 = memory)`);
    const nestedName = scenario('scaling: { policy: predictive, options: { reactive: { metric: utilization, dimension: gpu } } }');
    expect(refusal(nestedName).location.field).toBe('scaling.options.reactive.dimension');
    expect(() => parseScenario(scenario('scaling: { policy: reactive, options: { metric: utilization, dimension: memory, pools: [v] } }'), 'as.yaml')).not.toThrow();
    const nested = scenario('scaling: { policy: predictive, options: { reactive: { metric: utilization, dimension: 2 } } }');
    expect(refusal(nested).location.field).toBe('scaling.options.reactive.dimension');
    expect(() => parseScenario(scenario('scaling: { policy: reactive, options: { metric: utilization, dimension: 1, pools: [v] } }'), 'as.yaml')).not.toThrow();
  });

  it('`dimension` without metric utilization, which the demand metric would ignore, is refused', () => {
    const text = scenario('scaling:\n  policy: reactive\n  options:\n    dimension: 1');
    expect(refusal(text).message).toBe(
      `as.yaml:${lineOf(text, 'dimension: 1')}, field 'scaling.options.dimension': 'dimension' is read only with 'metric: utilization', and the default metric 'demand' has no dimension: add 'metric: utilization' or drop 'dimension'`,
    );
    const own = scenario('', '\n  - name: first-fit\n    scaling: { policy: predictive, options: { reactive: { metric: demand, dimension: 0 } } }');
    expect(refusal(own).location.field).toBe('strategies[0].scaling.options.reactive.dimension');
  });

  it('a scheduled rule and a static size name a pool the scenario has', () => {
    const rule = scenario('scaling:\n  policy: scheduled\n  options:\n    rules:\n      - { pool: w, nodes: 2, at: "08:00" }\n      - { pool: nosuch, nodes: 2, at: "18:00" }');
    expect(refusal(rule).message).toBe(`as.yaml:${lineOf(rule, 'pool: nosuch')}, field 'scaling.options.rules[1].pool': unknown pool 'nosuch' (pools: w, v)`);
    const fixed = scenario('scaling: { policy: static, options: { nodes: { w: 2, nosuch: 3 } } }');
    expect(refusal(fixed).message).toBe(`as.yaml:${lineOf(fixed, 'scaling:')}, field 'scaling.options.nodes.nosuch': unknown pool 'nosuch' (pools: w, v)`);
    expect(() => parseScenario(scenario('scaling: { policy: static, options: { nodes: { w: 2, v: 1 } } }'), 'as.yaml')).not.toThrow();
  });

  it("a static size outside its pool's [nodes.min, nodes.max] is refused (it would be clamped without a word), in the scenario's and a strategy's scaling", () => {
    // w: min 1, max 5; v: min 0, max 2.
    const above = scenario('scaling: { policy: static, options: { nodes: { w: 2, v: 3 } } }');
    expect(refusal(above).message).toBe(`as.yaml:${lineOf(above, 'scaling:')}, field 'scaling.options.nodes.v': a static size of 3 is above pool 'v''s nodes.max 2: the pool would be held at 2; raise nodes.max or lower the size`);
    const below = scenario('', '\n  - name: first-fit\n    scaling: { policy: static, options: { nodes: { w: 0 } } }');
    expect(refusal(below).message).toBe(`as.yaml:${lineOf(below, 'nodes: { w: 0 }')}, field 'strategies[0].scaling.options.nodes.w': a static size of 0 is below pool 'w''s nodes.min 1: the pool would be held at 1; lower nodes.min or raise the size`);
    // The bounds themselves are fine.
    expect(() => parseScenario(scenario('scaling: { policy: static, options: { nodes: { w: 5, v: 0 } } }'), 'as.yaml')).not.toThrow();
    expect(() => parseScenario(scenario('scaling: { policy: static, options: { nodes: { w: 1, v: 2 } } }'), 'as.yaml')).not.toThrow();
  });

  it("a strategy's own scaling too", () => {
    const text = scenario('', '\n  - first-fit\n  - name: best-fit-decreasing\n    scaling: { policy: reactive, options: { pools: [nosuch] } }');
    expect(refusal(text).message).toBe(`as.yaml:${lineOf(text, 'pools: [nosuch]')}, field 'strategies[1].scaling.options.pools[0]': unknown pool 'nosuch' (pools: w, v)`);
  });
});

describe('scaling options of a scenario whose pools come from data', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drs-scaling-targets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nodes = path.join(dir, 'nodes.csv');
  writeFileSync(nodes, 'sn,cpu_milli,memory_mib,gpu,model\nn0,32000,262144,0,\nn1,32000,262144,0,\n');
  const fromData = (scaling: string): string => `name: data-pools
seed: 1
pools: { kind: alibaba-nodes, file: ${nodes} }
trace:
  kind: csv
  file: ./jobs.csv
  columns: { id: id, arrival: arrival, duration: duration, demand: { cpu: cpu } }
${scaling}
strategies: [first-fit]
`;
  /** The ConfigError buildScenario throws once the pools are read (parseScenario cannot know them). */
  async function buildRefusal(text: string): Promise<ConfigError> {
    const e = await buildScenario(parseScenario(text, 'data.yaml'), { file: 'data.yaml', dataRoot: dir }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }

  it('a scheduled rule or a reactive `pools` entry naming a pool the node list lacks is refused when built, naming the field', async () => {
    const rule = await buildRefusal(fromData('scaling: { policy: scheduled, options: { rules: [{ pool: nosuch, nodes: 2, at: "08:00" }] } }'));
    expect(rule.message).toBe("data.yaml, field 'scaling.options.rules[0].pool': unknown pool 'nosuch' (pools: openb-cpu-32c-256g)");
    const typo = await buildRefusal(fromData('scaling: { policy: reactive, options: { pools: [openb-cpu-32c-265g] } }'));
    expect(typo.message).toBe("data.yaml, field 'scaling.options.pools[0]': unknown pool 'openb-cpu-32c-265g' (pools: openb-cpu-32c-256g)");
    const ok = await buildScenario(parseScenario(fromData('scaling: { policy: reactive, options: { pools: [openb-cpu-32c-256g] } }'), 'data.yaml'), { file: 'data.yaml', dataRoot: dir });
    expect(ok.pools.map((p) => p.name)).toEqual(['openb-cpu-32c-256g']);
  });

  it('a `dimension` the scenario lacks is refused when the file is read, with its line', () => {
    const text = fromData('scaling:\n  policy: reactive\n  options: { metric: utilization, dimension: 3 }');
    expect(refusal(text).message).toBe(`as.yaml:${lineOf(text, 'dimension: 3')}, field 'scaling.options.dimension': there is no dimension 3: expected an index 0-2 or a name of the dimensions (0 = cpu, 1 = memory, 2 = gpu)`);
  });
});
