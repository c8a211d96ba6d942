import { describe, expect, it } from 'vitest';
import { drs, editedFile, tmpFile } from './helpers.js';

/*
 * A latency, boot time or request duration of 1e300 in a scenario was accepted (a run then printed
 * sums that overflowed or lost every real second). Such values are refused at their line and field
 * with the bound the trace readers use: at most 1e10 s (over 300 years); latencyMs at most 1e13 ms.
 * A horizon stays unbounded (the run is event-driven; its request count is checked instead); a
 * failure event's time is below the horizon, or, without one, at most 1e10 s like a duration.
 */
const SCENARIO = `name: t
seed: 1
horizon: 10m
pools:
  - name: a
    capacity: { cpu: 8, memory: 32Gi, gpu: 1 }
    nodes: 2
    pricePerHour: 1
    latencyMs: 10
    boot: 1m
trace:
  kind: synthetic
  horizon: 10m
  arrival: { rate: 0.5 }
  priorities:
    - { priority: high, weight: 1, sloWait: 30 }
  profiles:
    - { name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: exponential, mean: 60, max: 1h } }
    - { name: q, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 5 } }
    - { name: r, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: pareto, xm: 10, alpha: 2 } }
failures:
  random: { mtbf: 1h, repair: 5m }
strategies: [first-fit]
`;

/** The small scenario with one replacement, in a temp file. */
const scenario = (from: string, to: string): string => editedFile(SCENARIO, from, to);

const TOO_LONG = 'expected a duration of at most 1e10 s (over 300 years): a wrong unit or scale?';

describe('scenario durations past 1e10 s are refused at their field', () => {
  it('boot, latency, request durations, SLO waits and repairs (was: accepted)', async () => {
    const cases: [string, string, number, string, string][] = [
      ['boot: 1m', 'boot: 1e300', 10, 'pools[0].boot', TOO_LONG],
      ['boot: 1m', 'boot: 200000000000d', 10, 'pools[0].boot', TOO_LONG],
      ['latencyMs: 10', 'latencyMs: 1e300', 9, 'pools[0].latencyMs', 'expected a latency of at most 1e13 ms (over 300 years): a wrong unit or scale?'],
      ['mean: 60', 'mean: 1e300', 18, 'trace.profiles[0].duration.mean', TOO_LONG],
      ['max: 1h', 'max: 1e11', 18, 'trace.profiles[0].duration.max', TOO_LONG],
      ['value: 5', 'value: 1e300', 19, 'trace.profiles[1].duration.value', TOO_LONG],
      ['xm: 10', 'xm: 1e300', 20, 'trace.profiles[2].duration.xm', TOO_LONG],
      ['sloWait: 30', 'sloWait: 1e300', 16, 'trace.priorities[0].sloWait', TOO_LONG],
      ['repair: 5m', 'repair: 1e300', 22, 'failures.random.repair', TOO_LONG],
    ];
    for (const [from, to, line, field, message] of cases) {
      const f = scenario(from, to);
      const r = await drs(['validate', f]);
      expect({ code: r.code, err: r.err }, to).toEqual({ code: 2, err: `drs validate: ${f}:${line}, field '${field}': ${message}\n` });
    }
  });

  it("a failure event's time, when no horizon bounds it (was: a run stretched to 1e300 s, a cost of 5.6e296)", async () => {
    const late = SCENARIO.replace('horizon: 10m\npools', 'pools').replace('  random: { mtbf: 1h, repair: 5m }', '  events:\n    - { at: 1e300, pool: a, repairAfter: 1m }');
    for (const at of ['1e300', '1e11', '200000000000d']) {
      const f = tmpFile('s.yaml', late.replace('at: 1e300', `at: ${at}`));
      const r = await drs(['validate', f]);
      expect({ code: r.code, err: r.err }, at).toEqual({ code: 2, err: `drs validate: ${f}:22, field 'failures.events[0].at': ${TOO_LONG}\n` });
    }
    expect((await drs(['validate', tmpFile('s.yaml', late.replace('at: 1e300', 'at: 1e10'))])).code).toBe(0);
  });

  it("a trace rule's run time for a record without one, and a CSV trace's default SLO wait (was: a cost of 2.8e296)", async () => {
    // Fields are checked before the file is looked for: t.csv need not exist.
    const head = 'name: t\nseed: 1\npools:\n  - { name: a, capacity: { cpu: 8, memory: 32Gi, gpu: 1 }, nodes: 2, pricePerHour: 1 }\nstrategies: [first-fit]\ntrace:\n  file: t.csv\n';
    const cases: [string, string][] = [
      ['  kind: alibaba-gpu\n  noDeletion: 1e300\n', 'trace.noDeletion'],
      ['  kind: alibaba-gpu\n  noDeletion: 1e11\n', 'trace.noDeletion'],
      ['  kind: csv\n  columns: { arrival: t, duration: d, demand: { cpu: c } }\n  empty: { duration: 1e300 }\n', 'trace.empty.duration'],
      ['  kind: csv\n  columns: { arrival: t, end: e, demand: { cpu: c } }\n  empty: { end: 1e11 }\n', 'trace.empty.end'],
      ['  kind: csv\n  columns: { arrival: t, duration: d, demand: { cpu: c } }\n  defaults: { sloWait: 1e300 }\n', 'trace.defaults.sloWait'],
    ];
    for (const [rules, field] of cases) {
      const text = head + rules;
      const f = tmpFile('s.yaml', text);
      const r = await drs(['validate', f]);
      expect({ code: r.code, err: r.err }, rules).toEqual({ code: 2, err: `drs validate: ${f}:${text.split('\n').length - 1}, field '${field}': ${TOO_LONG}\n` });
    }
  });

  it('a synthetic run time drawn past 1e10 s, from any distribution without max (was: wait 4.7e299 d, util NaN%, cost ∞, exit 0)', async () => {
    const cases: [string, string][] = [
      ['{ dist: exponential, mean: 60, max: 1h }', '{ dist: lognormal, mu: 700, sigma: 0 }'],
      ['{ dist: exponential, mean: 60, max: 1h }', '{ dist: lognormal, mu: 2, sigma: 300 }'],
      ['{ dist: pareto, xm: 10, alpha: 2 }', '{ dist: pareto, xm: 10, alpha: 0.001 }'],
    ];
    for (const [from, to] of cases) {
      const f = scenario(from, to);
      const r = await drs(['run', f, '--quiet']);
      const profile = SCENARIO.split('\n').findIndex((l) => l.includes(from)) + 1;
      expect({ code: r.code, out: r.out }, to).toEqual({ code: 2, out: '' });
      expect(r.err, to).toMatch(new RegExp(`^drs run: ${f}:${profile}, field 'trace\\.profiles\\[\\d\\]\\.duration': request syn-\\d+ drew a run time of \\S+ s, more than 1e10 s \\(over 300 years\\): set max to cap the draws, or check the parameters' unit and scale\\n$`));
    }
    // An LLM profile's run time comes from its token counts.
    const llm = scenario('{ dist: pareto, xm: 10, alpha: 2 }', '{ dist: pareto, xm: 10, alpha: 2 } }\n    - { name: l, weight: 100, llm: { context: { mu: 700, sigma: 0 }, generated: { mu: 1, sigma: 0 } } ');
    const r = await drs(['run', llm, '--quiet']);
    expect({ code: r.code, err: r.err.replace(/syn-\d+ drew \S+ context and \S+ generated tokens, which take \S+ s/, 'X').replace(/\(\S+ tokens/, '(N tokens') }).toEqual({
      code: 2,
      err: `drs run: ${llm}:21, field 'trace.profiles[3].llm.context': request X, more than 1e10 s (over 300 years): the context token draws are the cause (N tokens at 5000 tok/s): set max in llm.context to cap the token draws, or check mu and sigma\n`,
    });
    // A model rate in the wrong unit is named, not sent to a max that does not cap it.
    const slow = scenario('{ dist: pareto, xm: 10, alpha: 2 }', "{ dist: pareto, xm: 10, alpha: 2 } }\n    - { name: l, weight: 100, llm: { context: { mu: 5, sigma: 0 }, generated: { mu: 1, sigma: 0 }, model: { prefillTokensPerSecond: 1e-300 } } ");
    const rs = await drs(['run', slow, '--quiet']);
    expect(rs.code).toBe(2);
    expect(rs.err).toMatch(/field 'trace\.profiles\[3\]\.llm\.model\.prefillTokensPerSecond': request syn-\d+ drew 148 context and 3 generated tokens, which take \S+ s, more than 1e10 s \(over 300 years\): prefillTokensPerSecond 1e-300 is the cause \(tokens per second of one slot; the default is 5000\): a rate in the wrong unit or scale\?\n$/);
    // With max, the same distribution is capped, not refused.
    expect((await drs(['run', scenario('{ dist: exponential, mean: 60, max: 1h }', '{ dist: lognormal, mu: 700, sigma: 0, max: 1h }'), '--quiet'])).code).toBe(0);
  });

  it('a synthetic run-time estimate past 1e10 s (was: accepted, and every estimate 1e300 times the run time)', async () => {
    for (const estimate of ['{ factor: 1e300 }', '{ factor: 1, sigma: 300 }']) {
      const f = scenario('  arrival: { rate: 0.5 }\n', `  arrival: { rate: 0.5 }\n  estimate: ${estimate}\n`);
      const r = await drs(['run', f, '--quiet']);
      expect({ code: r.code, err: r.err.replace(/syn-\d+ drew an estimate of \S+/, 'X') }, estimate).toEqual({
        code: 2,
        err: `drs run: ${f}:15, field 'trace.estimate': request X s, more than 1e10 s (over 300 years): check factor and sigma\n`,
      });
    }
  });

  it("a scaling policy's intervalSeconds below 1 s or past 1e10 s (was: 1e-6 ran for minutes, a tick per microsecond)", async () => {
    for (const [interval, message] of [
      ['1e-6', 'expected an interval of at least 1 s (the policy decides once per interval: a shorter one is a wrong unit, and a run of ticks that never ends)'],
      ['500ms', 'expected an interval of at least 1 s (the policy decides once per interval: a shorter one is a wrong unit, and a run of ticks that never ends)'],
      ['1e300', TOO_LONG],
    ]) {
      const f = scenario('strategies: [first-fit]', `scaling: { policy: reactive, options: { intervalSeconds: ${interval} } }\nstrategies: [first-fit]`);
      const r = await drs(['validate', f]);
      expect({ code: r.code, err: r.err }, interval).toEqual({ code: 2, err: `drs validate: ${f}:23, field 'scaling.options.intervalSeconds': ${message}\n` });
    }
    expect((await drs(['validate', scenario('strategies: [first-fit]', 'scaling: { policy: static, options: { intervalSeconds: 1 } }\nstrategies: [first-fit]')])).code).toBe(0);
  });

  it("predictive scaling's stepSeconds below 1 s, or a lead of more than 100,000 bins (was: a V8 fatal error; 'Invalid array length')", async () => {
    const predictive = (options: string): string => scenario('strategies: [first-fit]', `scaling: { policy: predictive, options: { ${options} } }\nstrategies: [first-fit]`);
    for (const [options, field, message] of [
      ['stepSeconds: 1e-6', 'stepSeconds', 'expected a bin of at least 1 s (the demand series holds one value per bin: a shorter one is a wrong unit, and more bins than memory holds)'],
      ['stepSeconds: 1e300', 'stepSeconds', TOO_LONG],
      ['leadSeconds: 1e300', 'leadSeconds', TOO_LONG],
      // ⌈(1e9 + 15) / 60⌉ + 1 = 16,666,668 bins.
      ['leadSeconds: 1e9', 'leadSeconds', 'lead of 1000000000 s is 16666668 bins of 60 s, more than the 100000 a forecast reaches: give a shorter leadSeconds or a larger stepSeconds'],
      // ⌈(99,999 + 1) / 1⌉ + 1 = 100,001.
      ['stepSeconds: 1, intervalSeconds: 1, leadSeconds: 99999', 'leadSeconds', 'lead of 99999 s is 100001 bins of 1 s, more than the 100000 a forecast reaches: give a shorter leadSeconds or a larger stepSeconds'],
    ]) {
      const f = predictive(options as string);
      const r = await drs(['validate', f]);
      expect({ code: r.code, err: r.err }, options).toEqual({ code: 2, err: `drs validate: ${f}:23, field 'scaling.options.${field as string}': ${message as string}\n` });
    }
    expect((await drs(['validate', predictive('stepSeconds: 1, intervalSeconds: 1, leadSeconds: 99998')])).code).toBe(0);
  });

  it('the bounds themselves are accepted', async () => {
    const f = tmpFile('s.yaml', SCENARIO.replace('boot: 1m', 'boot: 1e10').replace('latencyMs: 10', 'latencyMs: 1e13').replace('value: 5', 'value: 1e10'));
    expect((await drs(['validate', f])).code).toBe(0);
  });
});
