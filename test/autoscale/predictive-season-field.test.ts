import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DemandSample } from '../../src/autoscale/policy.js';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { ConfigError } from '../../src/core/errors.js';
import { buildScenario } from '../../src/scenario/build.js';
import { parseScenario } from '../../src/scenario/load.js';
import { resolveScalingPolicy } from '../../src/scheduler/strategies.js';
import { input, pool } from './helpers.js';

/*
 * A wrong season in a scenario must be named by the scenario's own field, not by `drs forecast`'s
 * flag `--season`: at load time with the file, line and field path where the season cannot be
 * right, and in the run's note (a fit that failed on the season) with the options' field.
 */
const scenario = (options: string): string => `name: season-field
seed: 1
dimensions: [cpu, memory]
pools:
  - { name: w, capacity: { cpu: 4, memory: 16Gi }, nodes: { min: 1, max: 5, initial: 1 }, pricePerHour: 1, boot: 60s }
trace:
  kind: csv
  file: ./jobs.csv
  columns: { id: id, arrival: arrival, duration: duration, demand: { cpu: cpu, memory: { column: mem } } }
strategies:
  - first-fit
  - name: first-fit
    scaling:
      policy: predictive
      options:
${options
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`;

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

function drive(p: PredictivePolicy, minutes: number): void {
  const history: DemandSample[] = [];
  for (let t = 0; t < minutes * 60; t += 15) {
    history.push({ time: t, demandNodes: [5], arrivals: 0 });
    p.decide(input(t, [pool(7, 5)], history));
  }
}

describe('a wrong season names the scenario field, not --season', () => {
  it('double-seasonal with a daily season of 1 step: refused at load, with the file, line and field path', () => {
    const text = scenario('forecaster: double-seasonal\nseason: 1');
    expect(refusal(text).message).toBe(`as.yaml:${lineOf(text, 'season: 1')}, field 'strategies[1].scaling.options.season': double-seasonal needs a daily season of at least 2 steps, got 1`);
    const own = scenario('forecaster: double-seasonal\nforecasterOptions: { season: 1 }');
    expect(refusal(own).location.field).toBe('strategies[1].scaling.options.forecasterOptions.season');
    expect(() => parseScenario(scenario('forecaster: double-seasonal\nseason: 24'), 'as.yaml')).not.toThrow();
  });

  it('seasonSeconds under 1.5 bins (a season of 1 step: none) is refused at its field', () => {
    const text = scenario('seasonSeconds: 24');
    expect(refusal(text).message).toBe(
      `as.yaml:${lineOf(text, 'seasonSeconds: 24')}, field 'strategies[1].scaling.options.seasonSeconds': seasonSeconds 24 is 0.4 bins of stepSeconds 60: a season must be at least 2 bins (120 s); for none, drop it or give 'season: 1'`,
    );
    expect(refusal(scenario('seasonSeconds: 80')).location.field).toBe('strategies[1].scaling.options.seasonSeconds');
    expect(() => parseScenario(scenario('seasonSeconds: 90'), 'as.yaml')).not.toThrow();
    expect(() => parseScenario(scenario('seasonSeconds: 20\nstepSeconds: 10'), 'as.yaml')).not.toThrow();
  });

  it("a fit that fails on the season: the note names the options' fields where they were written, never --season", () => {
    const where = { file: 'as.yaml', field: 'strategies[1].scaling.options' };
    const p = createScalingPolicy('predictive', { minHistory: 10, refitEvery: 10, noSeason: 'reactive' }, { seed: '1', where }) as PredictivePolicy;
    drive(p, 30);
    const note = p.notes()[0] as string;
    expect(note).not.toMatch(/--season/);
    expect(note).toContain(
      "fit failed: holt-winters: no seasonal period could be detected in 20 points; give one with 'season' (steps) or 'seasonSeconds' in as.yaml, field 'strategies[1].scaling.options', or 'season: 1' for none",
    );
    // Without a location (a policy built in code): the policy's options.
    const bare = createScalingPolicy('predictive', { minHistory: 10, refitEvery: 10, noSeason: 'reactive' }, { seed: '1' }) as PredictivePolicy;
    drive(bare, 30);
    expect(bare.notes()[0]).toContain("give one with 'season' (steps) or 'seasonSeconds' in the policy's options, or 'season: 1' for none");
  });

  it('in drs run, the note names the scenario file and the field of the row, or of the scenario-wide scaling', async () => {
    const jobs = path.join(mkdtempSync(path.join(tmpdir(), 'drs-season-field-')), 'jobs.csv');
    writeFileSync(jobs, 'id,arrival,duration,cpu,mem\n1,0,10,1,1Gi\n');
    const options = 'minHistory: 10\nrefitEvery: 10\nnoSeason: reactive';
    const file = path.join(path.dirname(jobs), 's.yaml');
    const own = await buildScenario(parseScenario(scenario(options), file), { file, dataRoot: '.' });
    const p = own.strategies[1]?.scaling?.() as PredictivePolicy;
    drive(p, 30);
    expect(p.notes()[0]).toContain(`or 'seasonSeconds' in ${file}, field 'strategies[1].scaling.options', or 'season: 1'`);
    const shared = scenario(options).replace(/strategies:[\s\S]*$/, `scaling:\n  policy: predictive\n  options: { minHistory: 10, refitEvery: 10, noSeason: reactive }\nstrategies: [first-fit]\n`);
    const q = (await buildScenario(parseScenario(shared, file), { file, dataRoot: '.' })).strategies[0]?.scaling?.() as PredictivePolicy;
    drive(q, 30);
    expect(q.notes()[0]).toContain(`or 'seasonSeconds' in ${file}, field 'scaling.options', or 'season: 1'`);
  });

  it("in the scheduler (ResourceScheduler's `scaling`), the fields are under 'scaling.options'", () => {
    const p = resolveScalingPolicy({ policy: 'predictive', options: { minHistory: 10, refitEvery: 10, noSeason: 'reactive' } }, 1) as PredictivePolicy;
    drive(p, 30);
    expect(p.notes()[0]).toContain("give one with 'season' (steps) or 'seasonSeconds' in field 'scaling.options', or 'season: 1' for none");
  });

  it('double-seasonal with season 1: the registry refuses it by field; built in code, its failed fit names the options, not --season', () => {
    expect(() => createScalingPolicy('predictive', { forecaster: 'double-seasonal', season: 1 }, { seed: '1' })).toThrow("field 'scaling.options.season': double-seasonal needs a daily season of at least 2 steps, got 1");
    const p = new PredictivePolicy({ forecaster: 'double-seasonal', season: 1, minHistory: 10, refitEvery: 10 });
    drive(p, 30);
    expect(p.status(0)).toBe("fit failed: double-seasonal needs the daily season ('season' (steps) or 'seasonSeconds' in the policy's options), got 1");
  });
});
