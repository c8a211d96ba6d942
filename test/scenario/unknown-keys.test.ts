import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseScenario, validateScenarioObject } from '../../src/scenario/load.js';

/*
 * A key spelled wrong in a scenario: the error names the key's own path and line and, when a known
 * key of that object is near, suggests it (as an unknown CLI flag does). A required key spelled
 * wrong was reported as the required field missing, on the object's first line, which hid the typo.
 */

const LINES = [
  'name: typo', //                                                            1
  'dimensions: [cpu]', //                                                     2
  'pools:', //                                                                3
  '  - { name: a, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }', //      4
  'trace:', //                                                                5
  '  kind: synthetic', //                                                     6
  '  count: 5', //                                                            7
  '  arrival: { rate: 1 }', //                                                8
  "  profiles: [{ name: p, demand: { cpu: 1 }, duration: { dist: fixed, value: 3 } }]", // 9
  'strategies: [first-fit]', //                                              10
];

/** The message for the scenario with line `n` (1-based) replaced by `text`. */
function refusal(n: number, text: string, extra = ''): string {
  const lines = [...LINES];
  lines[n - 1] = text;
  try {
    parseScenario(lines.join('\n') + '\n' + extra, 's.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected the scenario to be refused');
}

describe('an unknown key in a scenario', () => {
  it('the unmodified scenario is valid (the cases below differ by their typo alone)', () => {
    expect(parseScenario(LINES.join('\n') + '\n', 's.yaml').name).toBe('typo');
  });

  it('a value outside a fixed set lists the values, and suggests the nearest one when one is near', () => {
    const queue = (backfill: string): string => refusal(10, 'strategies: [first-fit]', `queue: { name: fcfs, options: { backfill: ${backfill} } }\n`);
    expect(queue('eazy')).toBe(`s.yaml:11, field 'queue.options.backfill': expected one of "none", "easy", "conservative" (did you mean "easy"?)`);
    expect(queue('sometimes')).toBe(`s.yaml:11, field 'queue.options.backfill': expected one of "none", "easy", "conservative"`);
    // The tag of a form (a distribution's `dist`) likewise.
    const dist = (d: string): string => refusal(9, `  profiles: [{ name: p, demand: { cpu: 1 }, duration: { dist: ${d}, value: 3 } }]`);
    expect(dist('fixd')).toBe(`s.yaml:9, field 'trace.profiles[0].duration.dist': expected one of "lognormal", "pareto", "exponential", "fixed" (did you mean "fixed"?)`);
    expect(dist('gamma')).toBe(`s.yaml:9, field 'trace.profiles[0].duration.dist': expected one of "lognormal", "pareto", "exponential", "fixed"`);
  });

  it("the trace's kind: a typo of the key is named as that key; a missing or non-string kind says so", () => {
    expect(refusal(6, '  knid: synthetic')).toBe("s.yaml:6, field 'trace.knid': unknown key 'knid' (did you mean 'kind'?)");
    expect(refusal(6, '  seed: 3')).toBe("s.yaml:6, field 'trace.kind': missing the trace's kind (drs list shows the trace kinds: synthetic, csv, swf, ...)");
    expect(refusal(6, '  kind: 5')).toBe("s.yaml:6, field 'trace.kind': expected the name of a trace kind, got 5");
  });

  it('a required key spelled wrong is the typo, with the key it resembles, not "missing required field"', () => {
    expect(refusal(10, 'stratgies: [first-fit]')).toBe("s.yaml:10, field 'stratgies': unknown key 'stratgies' (did you mean 'strategies'?)");
    expect(refusal(4, '  - { name: a, capacity: { cpu: 8 }, nodes: 1, pricePerHr: 1 }')).toBe("s.yaml:4, field 'pools[0].pricePerHr': unknown key 'pricePerHr' (did you mean 'pricePerHour'?)");
  });

  it('an optional key spelled wrong, at every level: scenario, strategy, its options, trace, scaling options', () => {
    expect(refusal(2, 'dimensons: [cpu]')).toBe("s.yaml:2, field 'dimensons': unknown key 'dimensons' (did you mean 'dimensions'?)");
    expect(refusal(10, 'strategies: [{ name: first-fit, preemtion: true }]')).toBe("s.yaml:10, field 'strategies[0].preemtion': unknown key 'preemtion' (did you mean 'preemption'?)");
    expect(refusal(10, 'strategies: [{ name: ilp, options: { costWieght: 0.5 } }]')).toBe("s.yaml:10, field 'strategies[0].options.costWieght': unknown key 'costWieght' (did you mean 'costWeight'?)");
    expect(refusal(7, '  cuont: 5')).toBe("s.yaml:7, field 'trace.cuont': unknown key 'cuont' (did you mean 'count'?)");
    expect(refusal(10, 'strategies: [first-fit]', 'scaling: { policy: reactive, options: { tagret: 0.7 } }\n')).toBe("s.yaml:11, field 'scaling.options.tagret': unknown key 'tagret' (did you mean 'target'?)");
  });

  it('a map keyed by priority (sloWait, weighted-priority offsets): the nearest priority, or the list of them', () => {
    expect(refusal(10, 'strategies: [first-fit]', 'sloWait: { hihg: 5m }\n')).toBe("s.yaml:11, field 'sloWait.hihg': unknown key 'hihg' (did you mean 'high'?)");
    expect(refusal(10, 'strategies: [first-fit]', 'sloWait: { urgent: 5m }\n')).toBe("s.yaml:11, field 'sloWait.urgent': unknown key 'urgent' (expected one of critical, high, medium, low, background)");
    expect(refusal(10, 'strategies: [first-fit]', 'queue: { name: weighted-priority, options: { offsets: { bg: 60 } } }\n')).toBe(
      "s.yaml:11, field 'queue.options.offsets.bg': unknown key 'bg' (expected one of critical, high, medium, low, background)",
    );
  });

  it('in a field of two forms (a number or an object, a name or an object), the typo of the object form', () => {
    expect(refusal(4, '  - { name: a, capacity: { cpu: 8 }, nodes: { min: 1, initail: 1 }, pricePerHour: 1 }')).toBe("s.yaml:4, field 'pools[0].nodes.initail': unknown key 'initail' (did you mean 'initial'?)");
    expect(refusal(10, 'strategies: [{ nmae: first-fit }]')).toBe("s.yaml:10, field 'strategies[0].nmae': unknown key 'nmae' (did you mean 'name'?)");
    expect(refusal(10, 'strategies: [{ name: first-fit, scaling: { polcy: reactive } }]')).toBe("s.yaml:10, field 'strategies[0].scaling.polcy': unknown key 'polcy' (did you mean 'policy'?)");
    // Without a typo, the missing field of the object form is still named (not "expected a number").
    expect(refusal(4, '  - { name: a, capacity: { cpu: 8 }, nodes: { min: 1, max: 3 }, pricePerHour: 1 }')).toBe("s.yaml:4, field 'pools[0].nodes.initial': missing required field (expected a number)");
  });

  it('no key near: the keys of that object, sorted, at every level', () => {
    expect(refusal(2, 'colour: red')).toBe(
      "s.yaml:2, field 'colour': unknown key 'colour' (expected one of decisionBudget, description, dimensions, failures, horizon, name, pools, protocol, queue, quotas, scaling, seed, sloWait, strategies, trace, units)",
    );
    expect(refusal(4, '  - { name: a, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1, colour: red }')).toBe(
      "s.yaml:4, field 'pools[0].colour': unknown key 'colour' (expected one of boot, capacity, gpus, labels, latencyMs, name, nodes, pricePerHour)",
    );
    expect(refusal(10, 'strategies: [{ name: first-fit, colour: red }]')).toBe(
      "s.yaml:10, field 'strategies[0].colour': unknown key 'colour' (expected one of label, name, options, preemption, queue, quotas, scaling)",
    );
    expect(refusal(7, '  colour: red')).toBe(
      "s.yaml:7, field 'trace.colour': unknown key 'colour' (expected one of arrival, count, duration, estimate, horizon, idPrefix, kind, limit, preemptibleShare, preset, priorities, profiles, seed, tenants)",
    );
    expect(refusal(4, '  - { name: a, capacity: { cpu: 8 }, nodes: { min: 1, max: 2, initial: 1, colour: red }, pricePerHour: 1 }')).toBe(
      "s.yaml:4, field 'pools[0].nodes.colour': unknown key 'colour' (expected one of initial, max, min)",
    );
  });

  it("a pool source's key is named itself, with the nearest key or the keys it takes (was: field 'pools', the key alone)", () => {
    const source = (extra: string): string => {
      const lines = [...LINES];
      lines.splice(2, 2, `pools: { kind: alibaba-nodes, file: nodes.csv, ${extra} }`);
      try {
        parseScenario(lines.join('\n') + '\n', 's.yaml');
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected the scenario to be refused');
    };
    expect(source('pricePerGpuHr: 1')).toBe("s.yaml:3, field 'pools.pricePerGpuHr': unknown key 'pricePerGpuHr' (did you mean 'pricePerGpuHour'?)");
    expect(source('colour: red')).toBe(
      "s.yaml:3, field 'pools.colour': unknown key 'colour' (expected one of boot, dimensions, file, gpuPriceByModel, kind, labels, latencyMs, maxFactor, minFraction, namePrefix, pricePerCpuHour, pricePerGiBHour, pricePerGpuHour)",
    );
  });

  it('a scenario given as data (a sweep cell) words it the same way', () => {
    const raw = { name: 'x', pools: [{ name: 'a', capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }], trace: { kind: 'synthetic', arrival: { rate: 1 }, profiles: [{ name: 'p' }] }, strategies: ['first-fit'], horizn: 60 };
    expect(() => validateScenarioObject(raw, 'sweep.yaml')).toThrow("sweep.yaml, field 'horizn': unknown key 'horizn' (did you mean 'horizon'?)");
  });
});
