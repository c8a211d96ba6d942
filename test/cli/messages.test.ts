import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_POLICY_NAMES } from '../../src/algorithms/gpu/index.js';
import { suggest } from '../../src/cli/args.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseServeConfig } from '../../src/scheduler/config.js';
import { drs, ROOT, tmpFile } from './helpers.js';

const DEFAULT = readFileSync(path.join(ROOT, 'scenarios/default.yaml'), 'utf8');
/** The default scenario with one text replacement, written to a temp file. */
function variant(from: string, to: string): string {
  expect(DEFAULT).toContain(from);
  return tmpFile('s.yaml', DEFAULT.replace(from, to));
}
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('messages a user reads', () => {
  it('unknown flag: one line with the nearest flag', async () => {
    const r = await drs(['run', 'scenarios/default.yaml', '--jsn', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("drs run: Unknown option '--jsn' (did you mean --json?); see drs run --help\n");
    // Every command that parses with parseFlags points to its own --help (usage texts say "usage:" or "Usage:").
    for (const command of ['pack', 'replay-openb', 'run', 'serve', 'sweep', 'validate', 'worker', 'generate-swf']) {
      expect((await drs([command, '--bogus'])).err).toMatch(new RegExp(`see drs ${command} --help`));
    }
    expect(suggest('worker', ['workers', 'queue', 'json'])).toBe('workers');
    expect(suggest('zzz', ['workers', 'queue', 'json'])).toBeUndefined();
  });

  it('drs serve without --config: a DRS_ADMIN_TOKEN that is set but short is named, not called missing', async () => {
    const none = await drs(['serve', '--port', '0'], { DRS_ADMIN_TOKEN: undefined });
    expect(none.code).toBe(2);
    expect(none.err).toBe('drs serve: no tokens configured: give --config FILE (see examples/serve-config.yaml), or set DRS_ADMIN_TOKEN to an admin token of at least 16 characters\n');
    // An empty variable (DRS_ADMIN_TOKEN= drs serve) is one not set.
    expect((await drs(['serve', '--port', '0'], { DRS_ADMIN_TOKEN: '' })).err).toBe(none.err);
    const short = await drs(['serve', '--port', '0'], { DRS_ADMIN_TOKEN: 'a'.repeat(15) });
    expect(short.code).toBe(2);
    expect(short.err).toBe('drs serve: environment variable DRS_ADMIN_TOKEN holds fewer than 16 characters (15): give an admin token of at least 16 (openssl rand -hex 24), or --config FILE\n');
  });

  it('an unclosed bracket names the line that opened it', async () => {
    const f = variant('queue: priority', 'queue: [priority');
    const r = await drs(['validate', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:${lineOf(DEFAULT, 'queue: priority')}: invalid YAML: the '[' opened on this line is never closed`);
  });

  it('a key given twice is named, on the line of its second use', async () => {
    // Before: "invalid YAML: Map keys must be unique", which left the reader to find which key.
    const f = variant('pricePerHour: 39.3', 'pricePerHour: 39.3\n    pricePerHour: 40');
    const r = await drs(['validate', f]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs validate: ${f}:${lineOf(DEFAULT, 'pricePerHour: 39.3') + 1}: invalid YAML: the key 'pricePerHour' is given twice in one mapping\n`);
    const flow = await drs(['validate', variant('capacity: { cpu: 96, memory: 1Ti, gpu: 8 }', 'capacity: { cpu: 96, memory: 1Ti, cpu: 8 }')]);
    expect(flow.err).toContain(`:${lineOf(DEFAULT, 'capacity: { cpu: 96, memory: 1Ti, gpu: 8 }')}: invalid YAML: the key 'cpu' is given twice in one mapping\n`);
  });

  it('schema errors in plain words with field and line, never "Invalid input"', async () => {
    const price = await drs(['validate', variant('pricePerHour: 39.3', 'pricePerHour: "a"')]);
    expect(price.err).toMatch(/:15, field 'pools\[0\]\.pricePerHour': expected a number, got a string/);
    const nodes = await drs(['validate', variant('nodes: { min: 2, max: 8, initial: 3 }', 'nodes: many')]);
    expect(nodes.err).toContain("field 'pools[0].nodes': expected a number or an object");
    // The trace block is checked by the same parser drs run uses, and reported on its line.
    const rate = await drs(['validate', variant('arrival: { rate: 8.1 }', 'arrival: { rate: fast }')]);
    expect(rate.err).toContain(`:${lineOf(DEFAULT, 'arrival: { rate: 8.1 }')}, field 'trace.arrival.rate': expected a number, got a string`);
    for (const r of [price, nodes, rate]) expect(r.err).not.toContain('Invalid input');
  });

  it("a strategy's options in plain words, the unknown key named in the field", async () => {
    const line = lineOf(DEFAULT, '  - round-robin');
    const wrong = await drs(['validate', variant('  - round-robin\n', '  - { name: genetic, options: { population: "x" } }\n')]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain(`:${line}, field 'strategies[3].options.population': expected a number, got a string`);
    const unknown = await drs(['validate', variant('  - round-robin\n', '  - { name: first-fit, queue: { name: sjf, options: { foo: 1 } } }\n')]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("field 'strategies[3].queue.options.foo': unknown key 'foo'");
    for (const r of [wrong, unknown]) expect(r.err).not.toMatch(/Invalid input|Unrecognized key/);
  });

  it("drs serve's strategy, queue and scaling options in plain words, naming the field", () => {
    const err = (raw: Record<string, unknown>): ConfigError => {
      try {
        parseServeConfig({ tokens: [{ token: 'x'.repeat(24), admin: true }], ...raw }, 'serve.yaml', '.');
      } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
      }
      throw new Error('expected a ConfigError');
    };
    const strategy = err({ strategy: { name: 'genetic', options: { population: 'x' } } });
    expect(strategy.location).toMatchObject({ file: 'serve.yaml', field: 'strategy.options.population' });
    expect(strategy.message).toContain('expected a number, got a string');
    const scaling = err({ scaling: { policy: 'static', options: { intervalSeconds: '0s' } } });
    expect(scaling.location.field).toBe('scaling.options.intervalSeconds');
    expect(scaling.message).toContain('expected an interval of at least 1 s');
    for (const e of [strategy, scaling]) expect(e.message).not.toMatch(/Invalid input|Too small/);
  });

  it('validate checks every file it is given: a bad one is reported and the next is still checked', async () => {
    const bad1 = tmpFile('bad1.yaml', DEFAULT.replace('strategies:', 'strategy:'));
    const good = tmpFile('good.yaml', DEFAULT);
    const bad2 = tmpFile('bad2.yaml', DEFAULT.replace('failures:\n', 'failures:\n  random: { mtbf: 0, repair: 1m }\n'));
    const r = await drs(['validate', bad1, good, bad2]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("bad1.yaml:");
    expect(r.err).toContain("field 'failures.random.mtbf'");
    expect(r.err).toContain('2 of 3 files have errors');
    expect(r.out).toMatch(/good\.yaml: ok/);
  });

  it('a value of the right type that breaks a constraint is named as such, not as the wrong form ("expected an object")', async () => {
    const r = await drs(['validate', variant('nodes: { min: 2, max: 8, initial: 3 }', 'nodes: -3')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field 'pools\[0\]\.nodes': expected a value ≥ 0\n/);
  });

  it('a byte unit on a count (cpu: 96Gi) is refused, memory units stay for memory', async () => {
    const r = await drs(['validate', variant('capacity: { cpu: 32, memory: 128Gi }', 'capacity: { cpu: 32Gi, memory: 128Gi }')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field 'pools\[\d\]\.capacity\.cpu': cpu is a count \(cores\): '32Gi' has a byte unit/);
  });

  it('drs list refuses arguments it would ignore', async () => {
    for (const args of [['extra'], ['--json']]) {
      const r = await drs(['list', ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`drs list: takes no arguments, got '${args[0]}'`);
    }
    expect((await drs(['list'])).code).toBe(0);
  });

  it('drs list names every policy replay-openb takes, fgd-repair (not a scenario strategy) included', async () => {
    const r = await drs(['list']);
    const gpu = r.out.slice(r.out.indexOf('GPU-sharing policies (drs replay-openb --policies)'), r.out.indexOf('trace kinds'));
    for (const name of GPU_POLICY_NAMES) expect(gpu).toMatch(new RegExp(`^${name}\\s`, 'm'));
    const strategies = r.out.slice(0, r.out.indexOf('queue policies'));
    expect(strategies).not.toMatch(/^fgd-repair\s/m);
  });

  it('a failure event that could never happen as written is an error: more nodes than the pool has, or after the horizon', async () => {
    const many = await drs(['validate', variant('pool: h100, count: 1,', 'pool: h100, count: 99,')]);
    expect(many.code).toBe(2);
    expect(many.err).toMatch(/field 'failures\.events\[0\]\.count': 99 nodes fail, but pool 'h100' has at most \d+/);
    const late = await drs(['validate', variant('{ at: 30m, pool: h100', '{ at: 3h, pool: h100')]);
    expect(late.code).toBe(2);
    expect(late.err).toContain("field 'failures.events[0].at': the failure at 10800 s comes at or after the horizon (3600 s), so it never happens");
  });

  it('quota guarantees that cannot all hold at once are refused, naming the file and the shares', async () => {
    const f = tmpFile('q.yaml', `${DEFAULT}\nquotas:\n  tenants:\n    a: { guaranteed: { gpu: 0.7 } }\n    b: { guaranteed: { gpu: 0.4 } }\n`);
    const r = await drs(['validate', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('the guaranteed shares of gpu sum to 1.1 (a 0.7, b 0.4); at most 1 can be honoured at once');
    expect(r.err).toContain(`${f}:${DEFAULT.split('\n').length + 3}, field 'quotas.tenants': `);
    // A strategy's own quotas are checked as the scenario's, and named by their place.
    const own = await drs(['validate', variant('  - round-robin', '  - { name: round-robin, quotas: { tenants: { x: { max: { tpu: 0.5 } } } } }')]);
    expect(own.err).toMatch(new RegExp(`:${lineOf(DEFAULT, '  - round-robin')}, field 'strategies\\[3\\]\\.quotas\\.tenants\\.x\\.max': unknown resource dimension 'tpu'`));
  });

  it('a random failure process needs an MTBF above zero (0 would fail every node at once)', async () => {
    const r = await drs(['validate', variant('failures:\n', 'failures:\n  random: { mtbf: 0, repair: 1m }\n')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("field 'failures.random.mtbf': expected a duration > 0");
  });

  it('an MTBF in the wrong unit (1ms for 1m) is refused before a run of millions of failures, and 1e6 is the bound', async () => {
    // The default scenario: 9 initial nodes over a 1 h horizon, so 9 × 3600 / mtbf failures.
    const r = await drs(['validate', variant('failures:\n', 'failures:\n  random: { mtbf: 1ms, repair: 1m }\n')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("field 'failures.random.mtbf': mtbf 0.001 s gives about 3.24e+7 node failures over the 3600 s horizon with 9 node(s), more than the 1e6");
    // 9 × 3600 / 0.0324 = 1e6 exactly: allowed; a little less MTBF is not.
    expect((await drs(['validate', variant('failures:\n', 'failures:\n  random: { mtbf: 0.0324, repair: 1m }\n')])).code).toBe(0);
    expect((await drs(['validate', variant('failures:\n', 'failures:\n  random: { mtbf: 0.0323, repair: 1m }\n')])).code).toBe(2);
  });

  it('validate opens the trace as run does: a missing trace file fails', async () => {
    const f = tmpFile('swf.yaml', readFileSync(path.join(ROOT, 'scenarios/hpc-swf.yaml'), 'utf8').replace(/file: \S+/, 'file: swf/nope.swf'));
    const r = await drs(['validate', f]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.swf/);
  });

  it('memory without a unit is an error unless the scenario declares its unit', async () => {
    const bad = await drs(['validate', variant('capacity: { cpu: 32, memory: 128Gi }', 'capacity: { cpu: 32, memory: 128 }')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`:${lineOf(DEFAULT, 'capacity: { cpu: 32, memory: 128Gi }')}, field 'pools[2].capacity.memory': memory needs a unit`);
    const ok = await drs(['validate', tmpFile('u.yaml', `units: { memory: Gi }\n${DEFAULT.replace('capacity: { cpu: 32, memory: 128Gi }', 'capacity: { cpu: 32, memory: 128 }')}`)]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
  });

  it('drs train refuses the queue-only options for an allocator config instead of ignoring them', async () => {
    const cfg = path.join(ROOT, 'train/agent-fleet.yaml');
    // --out: were the refusal missing, training must not overwrite the shipped model.
    const out = tmpFile('never-written.json', '');
    const r = await drs(['train', cfg, '--resume', '--checkpoint', 'x.json', '--out', out, '--iterations', '1']);
    expect(r.err).toMatch(/field 'checkpoint'.*--checkpoint, --resume: for queue models only; an allocator config \(kind: allocator\) trains in one PPO run, in one thread of TensorFlow\.js/);
    expect(r.code).toBe(2);
    expect((await drs(['train', cfg, '--threads', '2', '--out', out, '--iterations', '1'])).err).toMatch(/--threads: for queue models only/);
  });
});
