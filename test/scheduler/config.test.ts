import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { loadServeConfig, POOL_SCHEMA } from '../../src/scheduler/config.js';
import { toPoolSpec } from '../../src/scheduler/inputs.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { parseBody } from '../../src/scheduler/http/errors.js';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

function errorOf(file: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadServeConfig(file, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const TOKENS = 'tokens:\n  - { token: "0123456789abcdef0123", admin: true }\n';

describe('drs serve config', () => {
  it('loads the shipped example (tokens from the environment, quantities and durations parsed)', () => {
    const c = loadServeConfig(path.join(ROOT, 'examples/serve-config.yaml'), { DRS_ADMIN_TOKEN: 'a'.repeat(32), DRS_RESEARCH_TOKEN: 'r'.repeat(32) });
    expect(c.tokens).toHaveLength(3);
    expect(c.stateFile).toBe(path.join(ROOT, '.drs-state/serve.sqlite'));
    expect(c.defaultLeaseMs).toBe(15 * 60_000);
    expect(c.queue).toMatchObject({ policy: 'priority', timeoutMs: 120_000 });
    expect(c.pools?.[0]).toMatchObject({ name: 'a100', capacity: { memory: 1024, gpu: 8 }, bootSeconds: 240, primary: 'gpu' });
  });

  it('names the file and the field path in every error', () => {
    const unknownKey = errorOf(write('a.yaml', `${TOKENS}prot: 80\n`));
    expect(unknownKey.message).toContain('a.yaml');
    expect(unknownKey.location.field).toBe('prot');
    const badQuantity = errorOf(write('b.yaml', `${TOKENS}pools:\n  - { name: p, capacity: { memory: lots }, nodes: 1 }\n`));
    expect(badQuantity.location).toMatchObject({ file: expect.stringContaining('b.yaml'), field: 'pools[0].capacity.memory' });
    const badDim = errorOf(write('c.yaml', `${TOKENS}pools:\n  - { name: p, capacity: { tpu: 4 }, nodes: 1 }\n`));
    expect(badDim.location.field).toBe('pools[0].capacity.tpu');
    const badStrategy = errorOf(write('d.yaml', `${TOKENS}strategy: fastest-fit\n`));
    expect(badStrategy.location.field).toBe('strategy');
    const shortToken = errorOf(write('e.yaml', 'tokens:\n  - { token: short, tenant: a }\n'));
    expect(shortToken.location.field).toBe('tokens[0].token');
    const noEnv = errorOf(write('f.yaml', 'tokens:\n  - { tokenEnv: NOPE, admin: true }\n'));
    expect(noEnv.location.field).toBe('tokens[0].tokenEnv');
    const quota = errorOf(write('g.yaml', `${TOKENS}quotas:\n  tenants:\n    a: { guaranteed: { gpu: 0.9 }, max: { gpu: 0.5 } }\n`));
    expect(quota.location.field).toBe('quotas.tenants.a.guaranteed.gpu');
    // Guarantees that cannot all hold at once (Σ > 1 over the named tenants; `default` not summed).
    const over = errorOf(write('g2.yaml', `${TOKENS}quotas:\n  default: { guaranteed: { gpu: 0.5 } }\n  tenants:\n    a: { guaranteed: { gpu: 0.6 } }\n    b: { guaranteed: { gpu: 0.5, cpu: 0.9 } }\n`));
    expect(over.location.field).toBe('quotas.tenants');
    expect(over.message).toMatch(/the guaranteed shares of gpu sum to 1\.1 \(a 0\.6, b 0\.5\); at most 1 can be honoured at once/);
    const yaml = errorOf(write('h.yaml', 'port: [1,\n'));
    expect(yaml.message).toMatch(/h\.yaml:\d+: invalid YAML/);
    // A repeated key and a second document are worded as in scenario, sweep and training files.
    expect(errorOf(write('h2.yaml', `${TOKENS}port: 1\nport: 2\n`)).message).toMatch(/h2\.yaml:4: invalid YAML: the key 'port' is given twice in one mapping$/);
    expect(errorOf(write('h3.yaml', `${TOKENS}---\nport: 2\n`)).message).toMatch(/h3\.yaml:3: the file holds more than one YAML document/);
    const missing = errorOf(path.join(dir, 'missing.yaml'));
    expect(missing.message).toMatch(/missing\.yaml: config file not found$/);
    const dupPool = errorOf(write('i.yaml', `${TOKENS}pools:\n  - { name: p, capacity: { cpu: 1 }, nodes: 1 }\n  - { name: p, capacity: { cpu: 1 }, nodes: 1 }\n`));
    expect(dupPool.location.field).toBe('pools[1].name');
  });

  it('names the form a union field was meant as, and a constraint in its own words', () => {
    const pool = (nodes: string): string => `${TOKENS}pools:\n  - { name: w, capacity: { cpu: 4 }, nodes: ${nodes} }\n`;
    expect(errorOf(write('n1.yaml', pool('{ min: 1, max: 4 }'))).message).toMatch(/field 'pools\[0\]\.nodes\.initial': missing required field \(expected a number\)/);
    // No key near: the keys of that object, sorted (the top level's, a pool's nodes').
    expect(errorOf(write('n2.yaml', pool('{ initial: 1, foo: 1 }'))).message).toMatch(/field 'pools\[0\]\.nodes\.foo': unknown key 'foo' \(expected one of initial, max, min\)$/);
    expect(errorOf(write('k0.yaml', `${TOKENS}colour: red\n`)).message).toMatch(
      /k0\.yaml:3, field 'colour': unknown key 'colour' \(expected one of bodyLimit, defaultLease, dimensions, durability, host, limits, log, metrics, pools, port, postgres, preemption, queue, quotas, retention, scaling, seed, sloWait, sqliteWriter, stateFile, strategy, tokens\)$/,
    );
    // A key spelled wrong: named on its own line (not its value's), with the nearest key; a required one too.
    expect(errorOf(write('k1.yaml', `${TOKENS}defaultLeas: 5m\n`)).message).toMatch(/k1\.yaml:3, field 'defaultLeas': unknown key 'defaultLeas' \(did you mean 'defaultLease'\?\)$/);
    expect(errorOf(write('k2.yaml', `${TOKENS.replace('tokens:', 'tokns:')}`)).message).toMatch(/k2\.yaml:1, field 'tokns': unknown key 'tokns' \(did you mean 'tokens'\?\)$/);
    expect(errorOf(write('n3.yaml', pool('-3'))).message).toMatch(/field 'pools\[0\]\.nodes': expected a value ≥ 0/);
    expect(errorOf(write('dl.yaml', `${TOKENS}defaultLease: 0\n`)).message).toMatch(/:3, field 'defaultLease': a default lease must be longer than 0/);
    expect(errorOf(write('pg.yaml', `${TOKENS}pools:\n  - { name: w, capacity: { cpu: 4 }, nodes: 1, primary: gpu }\n`)).message).toMatch(/:4, field 'pools\[0\]\.primary': primary 'gpu': the pool's nodes have no gpu/);
    expect(errorOf(write('q.yaml', `${TOKENS}queue: { timeout: 2 minutes }\n`)).message).toMatch(/:3, field 'queue\.timeout': expected a timeout like 30s, 5m, 1\.5h or a number of seconds, got "2 minutes"/);
    expect(errorOf(write('s1.yaml', `${TOKENS}sloWait: { high: 2s, urgent: 1s }\n`)).message).toMatch(/:3, field 'sloWait\.urgent': 'urgent' is not a priority class \(critical, high, medium, low, background\)/);
    expect(errorOf(write('s2.yaml', `${TOKENS}sloWait:\n  high: soon\n`)).message).toMatch(/:4, field 'sloWait\.high': expected a wait like 30s, 5m, 1\.5h or a number of seconds, got "soon"/);
    expect(loadServeConfig(write('s3.yaml', `${TOKENS}sloWait: { critical: 1s, high: 2s, medium: 30s, low: 5m }\n`)).sloWaitMs).toEqual({ critical: 1000, high: 2000, medium: 30_000, low: 300_000 });
    expect(loadServeConfig(write('seed1.yaml', `${TOKENS}seed: 42\n`)).seed).toBe(42);
    expect(loadServeConfig(write('seed2.yaml', `${TOKENS}seed: fleet-a\n`)).seed).toBe('fleet-a');
    expect(errorOf(write('seed3.yaml', `${TOKENS}seed: 1.5\n`)).message).toMatch(/:3, field 'seed'/);
    expect(errorOf(write('t.yaml', `${TOKENS}  - { token: short, tenant: a }\n`)).message).toMatch(/:3, field 'tokens\[1\]\.token': a token must have at least 16 characters/);
    // The POST /v1/pools body has the same shape and the same words (a 400 naming the field).
    const body = (nodes: unknown): unknown => {
      try {
        parseBody(POOL_SCHEMA, { name: 'w', capacity: { cpu: 4 }, nodes });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(body({ min: 1, max: 3 })).toMatchObject({ statusCode: 400, field: 'nodes.initial', message: 'nodes.initial: missing required field (expected a number)' });
  });

  it('refuses a pool the scheduler would refuse with the file, the line and the field, at load (not later without them)', () => {
    const pool = (name: string, fields: string, extra = ''): string => `${TOKENS}${extra}pools:\n  - name: ok\n    capacity: { cpu: 4 }\n    nodes: 1\n  - name: ${name}\n${fields}`;
    const gpus = errorOf(write('pg1.yaml', pool('g', '    capacity: { cpu: 4, gpu: 3 }\n    gpus: { count: 2 }\n    nodes: 1\n')));
    expect(gpus.message).toMatch(/pg1\.yaml:9, field 'pools\[1\]\.gpus\.count': capacity\.gpu 3 differs from gpus\.count 2$/);
    const order = errorOf(write('pg2.yaml', pool('m', '    capacity: { cpu: 4 }\n    nodes: { min: 3, max: 1, initial: 2 }\n')));
    expect(order.message).toMatch(/pg2\.yaml:9, field 'pools\[1\]\.nodes': need min ≤ initial ≤ max, got 3, 2, 1$/);
    const empty = errorOf(write('pg3.yaml', pool('z', '    capacity: { cpu: 0 }\n    nodes: 1\n')));
    expect(empty.message).toMatch(/pg3\.yaml:8, field 'pools\[1\]\.capacity': a node needs some positive capacity$/);
    const noGpuDim = errorOf(write('pg4.yaml', pool('d', '    capacity: { cpu: 4 }\n    gpus: { count: 2 }\n    nodes: 1\n', 'dimensions: [cpu, memory]\n')));
    expect(noGpuDim.message).toMatch(/pg4\.yaml:10, field 'pools\[1\]\.gpus': GPU devices need a 'gpu' dimension \(known: cpu, memory\)$/);
    const twice = errorOf(write('pg5.yaml', `${TOKENS}dimensions: [cpu, cpu]\n`));
    expect(twice.message).toMatch(/pg5\.yaml:3, field 'dimensions': a dimension is listed twice: cpu, cpu$/);
  });

  it('refuses a capacity above 1e15 per node and a price above 1e9 per node-hour, at the field, in the config and over the API', () => {
    const pool = (fields: string): string => `${TOKENS}pools:\n  - name: p\n${fields}`;
    const cap = errorOf(write('cap.yaml', pool('    capacity: { cpu: 1e308 }\n    nodes: 1\n')));
    expect(cap.message).toMatch(/cap\.yaml:5, field 'pools\[0\]\.capacity\.cpu': expected at most 1e15 per node/);
    const price = errorOf(write('price.yaml', pool('    capacity: { cpu: 4 }\n    nodes: 1\n    pricePerHour: 1e308\n')));
    expect(price.message).toMatch(/price\.yaml:7, field 'pools\[0\]\.pricePerHour': expected a price per node-hour of at most 1e9/);
    expect(loadServeConfig(write('edge.yaml', pool('    capacity: { cpu: 1e15 }\n    nodes: 1\n    pricePerHour: 1e9\n')), {}).pools?.[0]).toMatchObject({ capacity: { cpu: 1e15 }, pricePerHour: 1e9 });
    const gpus = errorOf(write('gpus.yaml', pool('    capacity: { cpu: 4 }\n    gpus: { count: 100000000 }\n    nodes: 1\n')));
    expect(gpus.message).toMatch(/gpus\.yaml:6, field 'pools\[0\]\.gpus\.count': expected at most 1024 GPU devices per node/);
    const space = new ResourceSpace(['cpu', 'memory']);
    const api = (input: Record<string, unknown>): unknown => {
      try {
        return toPoolSpec({ name: 'p', capacity: { cpu: 4 }, nodes: 1, ...input } as never, space);
      } catch (e) {
        return e;
      }
    };
    expect(api({ capacity: { cpu: 1e308 } })).toMatchObject({ location: { field: 'capacity.cpu' } });
    expect(api({ pricePerHour: 1e308 })).toMatchObject({ location: { field: 'pricePerHour' } });
    expect((api({ pricePerHour: 1e308 }) as Error).message).toMatch(/pricePerHour must be at most 1e9 per node-hour/);
    expect(api({ capacity: { cpu: 1e15 }, pricePerHour: 1e9 })).toMatchObject({ capacity: [1e15, 0], pricePerHour: 1e9 });
    const gpuSpace = new ResourceSpace(['cpu', 'gpu']);
    const gpuPool = (count: number): unknown => {
      try {
        return toPoolSpec({ name: 'p', capacity: { cpu: 4 }, nodes: 1, gpus: { count } } as never, gpuSpace);
      } catch (e) {
        return e;
      }
    };
    expect((gpuPool(1e8) as Error).message).toMatch(/gpus\.count must be at most 1024 GPU devices per node, got 100000000/);
    expect(gpuPool(1024)).toMatchObject({ capacity: [4, 1024] });
  });

  it('refuses a queue widthDimension the dimensions lack, with the line and the field', () => {
    const lineOf = (t: string, needle: string): number => t.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const text = `${TOKENS}dimensions: [cpu, memory]\nqueue:\n  policy: f1\n  options: { widthDimension: gpu }\n`;
    const f = write('qw.yaml', text);
    expect(errorOf(f).message).toBe(`${f}:${lineOf(text, 'widthDimension')}, field 'queue.options.widthDimension': unknown dimension 'gpu': expected a dimension's name or index (dimensions: 0 = cpu, 1 = memory)`);
    // The default dimensions (cpu, memory, gpu) have a gpu; 3 is past them.
    expect(loadServeConfig(write('qw2.yaml', `${TOKENS}queue: { policy: f1, options: { widthDimension: gpu } }\n`), {}).queue).toMatchObject({ policy: 'f1', options: { widthDimension: 'gpu' } });
    expect(errorOf(write('qw3.yaml', `${TOKENS}queue: { policy: sjf, options: { widthDimension: 3 } }\n`)).message).toMatch(/qw3\.yaml:3, field 'queue.options.widthDimension': there is no dimension 3: expected an index 0-2/);
  });

  it('refuses scaling options naming a pool or dimension the config does not have, with the line and the field', () => {
    const pools = 'pools:\n  - { name: w, capacity: { cpu: 4 }, nodes: { min: 1, max: 4, initial: 1 } }\n';
    const reactive = `${TOKENS}${pools}scaling:\n  policy: reactive\n  options:\n    pools:\n      - w\n      - nosuch\n`;
    const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const f = write('sp.yaml', reactive);
    expect(errorOf(f).message).toBe(`${f}:${lineOf(reactive, '- nosuch')}, field 'scaling.options.pools[1]': unknown pool 'nosuch' (pools: w)`);
    const scheduled = `${TOKENS}${pools}scaling:\n  policy: scheduled\n  options:\n    rules:\n      - { pool: w, nodes: 1, at: "20:00" }\n      - { pool: nosuch, nodes: 2, at: "08:00" }\n`;
    const rule = write('sr.yaml', scheduled);
    expect(errorOf(rule).message).toBe(`${rule}:${lineOf(scheduled, 'pool: nosuch')}, field 'scaling.options.rules[1].pool': unknown pool 'nosuch' (pools: w)`);
    const fixed = write('ss.yaml', `${TOKENS}scaling: { policy: static, options: { nodes: { nosuch: 3 } } }\n`);
    expect(errorOf(fixed).message).toBe(`${fixed}:3, field 'scaling.options.nodes.nosuch': unknown pool 'nosuch' (pools: none)`);
    // The dimensions: the configured ones, or cpu, memory, gpu.
    const dims = `${TOKENS}${pools}dimensions: [cpu, memory]\nscaling:\n  policy: reactive\n  options: { metric: utilization, dimension: 2 }\n`;
    const dim = write('sd.yaml', dims);
    expect(errorOf(dim).message).toBe(`${dim}:${lineOf(dims, 'dimension: 2')}, field 'scaling.options.dimension': there is no dimension 2: expected an index 0-1 or a name of the dimensions (0 = cpu, 1 = memory)`);
    expect(errorOf(write('sd3.yaml', `${TOKENS}scaling: { policy: predictive, options: { reactive: { metric: utilization, dimension: 3 } } }\n`)).location.field).toBe('scaling.options.reactive.dimension');
    expect(errorOf(write('sdm.yaml', `${TOKENS}scaling: { policy: reactive, options: { dimension: 0 } }\n`)).message).toMatch(/:3, field 'scaling\.options\.dimension': 'dimension' is read only with 'metric: utilization'/);
    expect(loadServeConfig(write('ok.yaml', `${TOKENS}${pools}scaling: { policy: reactive, options: { pools: [w], metric: utilization, dimension: 2 } }\n`)).scaling).toMatchObject({ policy: 'reactive' });
    // A state file may hold more pools (the scheduler checks them once restored); configured dimensions still count.
    expect(loadServeConfig(write('st.yaml', `${TOKENS}${pools}stateFile: s.db\nscaling: { policy: reactive, options: { pools: [stored] } }\n`)).stateFile).toBe(path.join(dir, 's.db'));
    // So may the store drs serve --state / --postgres attaches to a config that names none.
    const byFlag = write('sf.yaml', `${TOKENS}${pools}scaling: { policy: reactive, options: { pools: [stored] } }\n`);
    expect(errorOf(byFlag).location.field).toBe('scaling.options.pools[0]');
    expect(loadServeConfig(byFlag, process.env, true).scaling).toMatchObject({ policy: 'reactive' });
    expect(errorOf(write('std.yaml', `${TOKENS}stateFile: s.db\ndimensions: [cpu]\nscaling: { policy: reactive, options: { metric: utilization, dimension: 1 } }\n`)).location.field).toBe('scaling.options.dimension');
  });

  it('reads limits and the PostgreSQL store, and refuses what would hurt the service at start', () => {
    const ok = loadServeConfig(
      write('pg.yaml', `${TOKENS}postgres: { urlEnv: PG, pollInterval: 250ms }\nlimits: { nodesPerPool: 50, requestsPerSecond: 10, burst: 20 }\npools:\n  - { name: p, capacity: { cpu: 8 }, nodes: 50 }\n`),
      { PG: 'postgres://drs@127.0.0.1/drs' },
    );
    expect(ok.postgres).toEqual({ url: 'postgres://drs@127.0.0.1/drs', pollIntervalMs: 250 });
    expect(ok.limits).toEqual({ nodesPerPool: 50, requestsPerSecond: 10, burst: 20 });
    const big = errorOf(write('big.yaml', `${TOKENS}pools:\n  - { name: p, capacity: { cpu: 8 }, nodes: 1000000000 }\n`));
    expect(big.message).toContain('1000000000 nodes exceed limits.nodesPerPool (10000)');
    expect(big.location.field).toBe('pools[0].nodes');
    const scaled = errorOf(write('scaled.yaml', `${TOKENS}limits: { nodesPerPool: 10 }\npools:\n  - { name: p, capacity: { cpu: 8 }, nodes: { initial: 1, max: 11 } }\n`));
    expect(scaled.location.field).toBe('pools[0].nodes');
    expect(errorOf(write('both.yaml', `${TOKENS}stateFile: s.db\npostgres: { url: postgres://x }\n`)).location.field).toBe('postgres');
    expect(errorOf(write('noenv.yaml', `${TOKENS}postgres: { urlEnv: NOPE }\n`)).location.field).toBe('postgres.urlEnv');
    expect(errorOf(write('nourl.yaml', `${TOKENS}postgres: { pollInterval: 250ms }\n`)).message).toMatch(/nourl\.yaml:3, field 'postgres': give url or urlEnv \(or drs serve --postgres URL\)/);
    expect(errorOf(write('twourls.yaml', `${TOKENS}postgres: { url: postgres://x, urlEnv: PG }\n`)).location.field).toBe('postgres');
    // drs serve --postgres URL overrides the URL: the section may leave it to the command line (it was
    // refused, "give exactly one of url and urlEnv", with the URL given on the command line).
    expect(loadServeConfig(write('byflag.yaml', `${TOKENS}postgres: { pollInterval: 250ms }\n`), {}, true).postgres).toEqual({ url: '', pollIntervalMs: 250 });
    expect(loadServeConfig(write('noenv.yaml', `${TOKENS}postgres: { urlEnv: NOPE, pollInterval: 250ms }\n`), {}, true).postgres).toEqual({ url: '', pollIntervalMs: 250 });
    expect(errorOf(write('badlimit.yaml', `${TOKENS}limits: { pools: 0 }\n`)).location.field).toBe('limits.pools');
  });

  it('refuses a duration too long to count in milliseconds, and a poll interval a timer cannot keep, at the config field', () => {
    // 1e308 s is Infinity ms: was "field 'queue.timeoutMs': ... got Infinity", with no file or line.
    const timeout = errorOf(write('t.yaml', `${TOKENS}queue:\n  policy: fcfs\n  timeout: 1e308\n`));
    expect(timeout.message).toBe(`${path.join(dir, 't.yaml')}:5, field 'queue.timeout': a timeout of 1e+308 is too long to count in milliseconds`);
    const lease = errorOf(write('l.yaml', `${TOKENS}defaultLease: 1e308\n`));
    expect(lease.message).toBe(`${path.join(dir, 'l.yaml')}:3, field 'defaultLease': a lease of 1e+308 is too long to count in milliseconds`);
    // Node runs a timer of more than 2^31 - 1 ms after 1 ms; 0 would poll PostgreSQL in a tight loop.
    for (const bad of ['0', '25d', '2147484s']) {
      const e = errorOf(write('p.yaml', `${TOKENS}postgres: { url: postgres://x, pollInterval: ${bad} }\n`));
      expect(e.message, bad).toBe(`${path.join(dir, 'p.yaml')}:3, field 'postgres.pollInterval': a poll interval must be longer than 0 and at most 24.8 days (2147483647 ms)`);
    }
    for (const [ok, ms] of [['1ms', 1], ['2147483s', 2_147_483_000], ['24d', 24 * 86_400_000]] as const) {
      expect(loadServeConfig(write('p.yaml', `${TOKENS}postgres: { url: postgres://x, pollInterval: ${ok} }\n`), {}).postgres?.pollIntervalMs, ok).toBe(ms);
    }
    expect(loadServeConfig(write('q.yaml', `${TOKENS}queue: { policy: fcfs, timeout: 3650d }\n`), {}).queue?.timeoutMs).toBe(3650 * 86_400_000);
  });
});
