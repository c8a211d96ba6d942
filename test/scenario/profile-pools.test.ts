import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/scenario/load.js';

/*
 * A synthetic profile that only pools of `nodes.max` 0 may take (its labels, latency or size rule
 * out every other pool) can never start: no scaling policy goes past max. Before, `drs validate`
 * said ok and `drs run` reported all its requests unfinished; now it is refused like a profile no
 * pool can run, naming the profile's line and the pools.
 */

const scenario = (bigNodes: string, profile = '{ name: j, demand: { cpu: 8 } }'): string => `name: profile-pools
dimensions: [cpu]
pools:
  - { name: p, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }
  - { name: q, capacity: { cpu: 16 }, nodes: ${bigNodes}, pricePerHour: 1, labels: { big: "yes" } }
  - { name: r, capacity: { cpu: 16 }, nodes: 0, pricePerHour: 1, labels: { big: "yes" } }
trace:
  kind: synthetic
  count: 5
  arrival: { rate: 1 }
  profiles: [${profile}]
strategies: [first-fit]
`;

function refusal(text: string): ConfigError {
  try {
    parseScenario(text, 'pp.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the scenario was accepted');
}

describe('a profile only pools without nodes may take', () => {
  it('is refused when every pool that fits it has nodes.max 0, naming the profile and the pools', () => {
    // cpu 8 fits q and r only (p has 4); both are `nodes: 0` (min = max = initial = 0).
    const text = scenario('0');
    expect(refusal(text).message).toBe(
      "pp.yaml:11, field 'trace.profiles[0]': profile 'j' can run only on pools 'q', 'r', which never have a node (nodes.max 0): every request of it would wait until the run ends",
    );
    // By labels: p is ruled out by them, not by size.
    const labelled = scenario('0', '{ name: small, demand: { cpu: 1 } }, { name: j, demand: { cpu: 1 }, labels: { big: "yes" } }');
    expect(refusal(labelled).location.field).toBe('trace.profiles[1]');
    expect(refusal(scenario('{ min: 0, max: 0, initial: 0 }')).location.field).toBe('trace.profiles[0]');
  });

  it('is accepted when one of them may have a node, even none at first (a policy may add it)', () => {
    expect(() => parseScenario(scenario('1'), 'pp.yaml')).not.toThrow();
    expect(() => parseScenario(scenario('{ min: 0, max: 2, initial: 0 }'), 'pp.yaml')).not.toThrow();
    // A profile that fits p too is not concerned by the empty pools.
    expect(() => parseScenario(scenario('0', '{ name: j, demand: { cpu: 2 } }'), 'pp.yaml')).not.toThrow();
  });
});
