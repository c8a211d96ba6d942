import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/scenario/load.js';

/*
 * YAML merge keys (`<<: *anchor`) in a scenario: the anchored mapping's fields are copied and the
 * ones written beside `<<` win. They used to be read as a key named '<<', so a pool that took its
 * capacity from an anchor was refused as "missing required field" on the line that holds it.
 */

const scenario = (second: string): string => `name: merge
dimensions: [cpu]
pools:
  - &big { name: a, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }
  - ${second}
trace:
  kind: synthetic
  count: 5
  arrival: { rate: 1 }
  profiles: [{ name: p, demand: { cpu: 1 }, duration: { dist: fixed, value: 3 } }]
strategies: [first-fit]
`;

function refusal(text: string): ConfigError {
  try {
    parseScenario(text, 'm.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML merge keys in a scenario', () => {
  it('copies the anchored fields, the written ones winning', () => {
    const sc = parseScenario(scenario('{ <<: *big, name: b, pricePerHour: 2.5 }'), 'm.yaml');
    expect(sc.pools).toMatchObject([
      { name: 'a', capacity: { cpu: 8 }, pricePerHour: 1 },
      { name: 'b', capacity: { cpu: 8 }, pricePerHour: 2.5 },
    ]);
  });

  it('checks the merged result as if written out: a bad written field is named at its line', () => {
    const e = refusal(scenario('{ <<: *big, name: b, pricePerHour: -2 }'));
    expect(e.message).toBe("m.yaml:5, field 'pools[1].pricePerHour': expected a value ≥ 0");
  });

  it('still refuses a key given twice', () => {
    expect(refusal(scenario('{ <<: *big, name: b, name: c }')).message).toBe("m.yaml:5: invalid YAML: the key 'name' is given twice in one mapping");
  });
});
