import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, editedFile, expectUserError, tmpFile } from './helpers.js';

/*
 * Input a hostile but realistic user gives, found by a cross-command audit: each is a one-line
 * error naming the file, line or field, with exit 2, never a stack trace or a silent acceptance.
 */

const SCENARIO = `name: t
seed: 1
horizon: 10m
pools:
  - name: a
    capacity: { cpu: 8, memory: 32Gi, gpu: 1 }
    nodes: 2
    pricePerHour: 1
trace:
  kind: synthetic
  horizon: 10m
  arrival: { rate: 0.5 }
  profiles:
    - { name: p, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: exponential, mean: 60 } }
strategies: [first-fit]
`;

/** The small scenario with one replacement, in a temp file. */
const scenario = (from: string, to: string): string => editedFile(SCENARIO, from, to);

describe('scenario values a schema let through', () => {
  it('a dimension listed twice is refused at the repeat, not a RangeError', async () => {
    const f = scenario('seed: 1\n', 'seed: 1\ndimensions: [cpu, memory, gpu, cpu]\n');
    expectUserError(await drs(['validate', f]), `${f}:3, field 'dimensions[3]': duplicate dimension 'cpu' (also at index 0)`);
    // A sweep setting it reaches the same schema.
    const sweep = tmpFile('sw.yaml', `scenario: ${tmpFile('s.yaml', SCENARIO)}\nseeds: 1\nset:\n  dimensions: [cpu, cpu]\n`);
    expectUserError(await drs(['sweep', sweep, '--workers', '0', '--quiet']), "field 'dimensions[1]': duplicate dimension 'cpu'");
  });

  it('a quantity or duration text that overflows ("1e400") is refused, not read as Infinity', async () => {
    const cap = scenario('cpu: 8,', 'cpu: "1e400",');
    expectUserError(await drs(['validate', cap]), `${cap}:6, field 'pools[0].capacity.cpu': expected a non-negative quantity`, 'got "1e400"');
    const horizon = scenario('horizon: 10m\npools', 'horizon: "1e400h"\npools');
    expectUserError(await drs(['validate', horizon]), `${horizon}:3, field 'horizon': expected a duration > 0`, 'got "1e400h"');
  });
});

describe('files that are folders', () => {
  it('drs replay-openb: a folder for --nodes or the pod list names it, not an EISDIR stack', async () => {
    const pods = tmpFile('pods.csv', 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np0,1000,1024,1,1000,,LS,Running,0,10,0\n');
    const nodes = tmpFile('nodes.csv', 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,P100\n');
    const folder = path.dirname(pods);
    expectUserError(await drs(['replay-openb', pods, '--nodes', folder]), `${folder}: is a folder, not a trace file`);
    expectUserError(await drs(['replay-openb', folder, '--nodes', nodes]), `${folder}: is a folder, not a trace file`);
  });
});

describe('counts far beyond the data', () => {
  const swf = (): string => tmpFile('t.swf', `; MaxProcs: 8\n${Array.from({ length: 20 }, (_, i) => `${i + 1} ${i * 10} 0 100 2 -1 -1 2 200 -1 1 1 1 1 1 -1 -1 -1`).join('\n')}\n`);

  it('drs replay-swf --count larger than the trace holds names --count and the fit, not a RangeError', async () => {
    const f = swf();
    expectUserError(await drs(['replay-swf', f, '--start', '0', '--length', '5', '--count', '9007199254740991']), "field 'count': --start 0 --count 9007199254740991", 'the trace has only 20 usable jobs', 'at most --count 4 from --start 0');
    expectUserError(await drs(['replay-swf', f, '--start', '0', '--length', '5', '--count', '99999999999999999999']), "field 'count': --count must be an integer ≥ 1 and at most 9007199254740991, got 99999999999999999999");
    expect((await drs(['replay-swf', f, '--start', '0', '--length', '5', '--count', '4', '--json'])).code).toBe(0);
  });

  it('drs sweep: a seed count beyond reason (seeds: 1e12) is refused, not a RangeError', async () => {
    const sweep = tmpFile('sw.yaml', `scenario: ${tmpFile('s.yaml', SCENARIO)}\nseeds: 1e12\n`);
    expectUserError(await drs(['sweep', sweep, '--workers', '0', '--quiet']), `${sweep}:2, field 'seeds': expected a seed count of at most 100000`);
  });
});

describe('output files that cannot be written', () => {
  // /proc takes no new files, even for root (a read-only folder would not stop root).
  it.runIf(existsSync('/proc/self'))('are refused before the run, not after it (the results would be lost)', async () => {
    const f = tmpFile('s.yaml', SCENARIO);
    for (const flag of ['--json', '--html']) {
      const r = await drs(['run', f, '--quiet', flag, '/proc/drs-x']);
      expectUserError(r, `${flag} /proc/drs-x: cannot be written (`);
      expect(r.out).toBe(''); // nothing ran
    }
    expectUserError(await drs(['run', f, '--quiet', '--events', '/proc/drs-x.csv']), '--events /proc/drs-x.csv: cannot be written (');
    const sweep = tmpFile('sw.yaml', `scenario: ${f}\nseeds: 1\n`);
    const r = await drs(['sweep', sweep, '--workers', '0', '--quiet', '--results', path.join(path.dirname(sweep), 'res'), '--json', '/proc/drs-x']);
    expectUserError(r, '--json /proc/drs-x: cannot be written (');
    expect(existsSync(path.join(path.dirname(sweep), 'res'))).toBe(false);
    // drs train checks its model file before hours of training (nothing is written: --out fails first).
    const ckpt = path.join(path.dirname(f), 'ckpt.json');
    expectUserError(await drs(['train', 'train/lublin-1-easy.yaml', '--out', '/proc/drs-x.json', '--checkpoint', ckpt, '--iterations', '1', '--no-eval', '--threads', '1']), '--out /proc/drs-x.json: cannot be written (');
    expect(existsSync(ckpt)).toBe(false);
    // An output that can be written is left as it was by the check: the run writes it.
    const ok = path.join(path.dirname(f), 'out.json');
    expect((await drs(['run', f, '--quiet', '--json', ok])).code).toBe(0);
    expect(existsSync(ok)).toBe(true);
  });
});

describe('drs serve --postgres', () => {
  const env = { DRS_ADMIN_TOKEN: 'abcdefghijklmnopqrstuvwxyz' };
  it('a text that is not a postgres:// URL is named, not looked up as a host', async () => {
    expectUserError(await drs(['serve', '--port', '0', '--postgres', 'foo'], env), "--postgres / postgres.url expects a postgres:// URL such as postgres://user@127.0.0.1:5432/drs, got 'foo'");
  });
  it('a server that cannot be reached is one line naming the URL (password hidden), not an error object', async () => {
    const r = await drs(['serve', '--port', '0', '--postgres', 'postgres://u:secret@127.0.0.1:1/x'], env);
    expectUserError(r, 'cannot connect to PostgreSQL at postgres://u:***@127.0.0.1:1/x (--postgres / postgres.url): connect ECONNREFUSED');
    expect(r.err).not.toContain('secret');
  });
});

describe('flags, the same way in every command', () => {
  it('a flag given twice is refused, not the first silently dropped', async () => {
    const cases: [string[], string][] = [
      [['run', 'x.yaml', '--seed', '1', '--seed', '2'], 'seed'],
      [['forecast', 'x.csv', '--horizon', '5', '--horizon', '6'], 'horizon'],
      [['replay-swf', 'x.swf', '--policy', 'sjf', '--policy', 'f1'], 'policy'],
      [['train', 'x.yaml', '--seed', '1', '--seed=2'], 'seed'],
      [['pack', 'x.txt', '--seed', '1', '--seed', '2'], 'seed'],
      [['generate-swf', '--out', '-', '--jobs', '5', '--jobs', '6'], 'jobs'],
    ];
    for (const [argv, flag] of cases) {
      expectUserError(await drs(argv), `drs ${argv[0]}: field '${flag}': --${flag} is given more than once; give it once (see drs ${argv[0]} --help)`);
    }
  });

  it('forecast, replay-swf and train name the nearest flag and their --help, as the other commands do', async () => {
    for (const [command, typo, near] of [['forecast', '--horizn', 'horizon'], ['replay-swf', '--polcy', 'policy'], ['train', '--seeed', 'seed']] as const) {
      const r = await drs([command, 'x', typo, '1']);
      expectUserError(r);
      expect(r.err).toBe(`drs ${command}: Unknown option '${typo}' (did you mean --${near}?); see drs ${command} --help\n`);
    }
  });
});

describe('a value of neither accepted form', () => {
  it("drs serve's queue: a name where false or a block is expected names both forms, not only false", async () => {
    const f = tmpFile('serve.yaml', 'tokens: [{ token: abcdefghijklmnopqrstuv, admin: true }]\nqueue: priority\n');
    expectUserError(await drs(['serve', '--config', f, '--port', '0']), `${f}:2, field 'queue': expected false or an object`);
  });
});

describe('values no machine could run', () => {
  it('a pool of more than 1,000,000 nodes is refused at its line (was: validated, then out of memory)', async () => {
    const f = scenario('    nodes: 2\n', '    nodes: 1000000000\n');
    expectUserError(await drs(['validate', f]), `${f}:7, field 'pools[0].nodes': expected at most 1,000,000 nodes per pool (every node is held and scanned in memory; a larger pool cannot run)`);
    const max = scenario('    nodes: 2\n', '    nodes: { initial: 2, max: 2000000 }\n');
    expectUserError(await drs(['validate', max]), `${max}:7, field 'pools[0].nodes.max': expected at most 1,000,000 nodes per pool`);
    // The largest allowed pool still validates.
    expect((await drs(['validate', scenario('    nodes: 2\n', '    nodes: 1000000\n')])).code).toBe(0);
  });

  it('a capacity above 1e15 per node or a price above 1e9 per node-hour is refused at its field (was: an Infinity cost, 0 % utilization)', async () => {
    const price = scenario('pricePerHour: 1\n', 'pricePerHour: 1e308\n');
    expectUserError(await drs(['validate', price]), `${price}:8, field 'pools[0].pricePerHour': expected a price per node-hour of at most 1e9 (a larger one overflows the cost totals)`);
    const cap = scenario('{ cpu: 8,', '{ cpu: 1e308,');
    expectUserError(await drs(['validate', cap]), `${cap}:6, field 'pools[0].capacity.cpu': expected at most 1e15 per node`);
    const mem = scenario('memory: 32Gi', 'memory: 2000000000000Ti');
    expectUserError(await drs(['validate', mem]), `${mem}:6, field 'pools[0].capacity.memory': expected at most 1e15 per node`);
    // The bounds themselves are accepted.
    expect((await drs(['validate', tmpFile('s.yaml', SCENARIO.replace('pricePerHour: 1\n', 'pricePerHour: 1e9\n').replace('{ cpu: 8,', '{ cpu: 1e15,'))])).code).toBe(0);
  });

  it('a pool of more than 1024 GPU devices per node, as for a node list (was: gpus.count 1e8 ran for minutes)', async () => {
    const f = scenario('    nodes: 2\n', '    nodes: 2\n    gpus: { count: 100000000 }\n');
    expectUserError(await drs(['validate', f]), `${f}:8, field 'pools[0].gpus.count': expected at most 1024 GPU devices per node (each is a slot of the node's device table)`);
    const edge = tmpFile('s.yaml', SCENARIO.replace('gpu: 1 }', 'gpu: 1024 }').replace('    nodes: 2\n', '    nodes: 2\n    gpus: { count: 1024 }\n'));
    expect((await drs(['validate', edge])).code).toBe(0);
  });

  it('a node list whose maxFactor takes a pool past 1,000,000 nodes is refused at pools.maxFactor (was: accepted, a pool of 2e9 nodes)', async () => {
    const nodes = tmpFile('nodes.csv', 'sn,cpu_milli,memory_mib,gpu,model\nn1,8000,32768,0,nan\nn2,8000,32768,0,nan\nn3,8000,32768,1,T4\n');
    const f = scenario('pools:\n  - name: a\n    capacity: { cpu: 8, memory: 32Gi, gpu: 1 }\n    nodes: 2\n    pricePerHour: 1\n', `pools:\n  kind: alibaba-nodes\n  file: ${nodes}\n  maxFactor: 1e9\n`);
    const message = "field 'pools.maxFactor': 1000000000 takes pool 'openb-cpu-8c-32g' (2 nodes in the node list) to 2,000,000,000 nodes: expected at most 1,000,000 nodes per pool";
    expectUserError(await drs(['validate', f]), `${f}:7, ${message}`);
    expectUserError(await drs(['run', f, '--quiet']), `${f}:7, ${message}`);
    // The node list reader's other option errors are the pool source's fields too (were named 'trace.dimensions.cpu').
    const dims = scenario('pools:\n  - name: a\n    capacity: { cpu: 8, memory: 32Gi, gpu: 1 }\n    nodes: 2\n    pricePerHour: 1\n', `pools:\n  kind: alibaba-nodes\n  file: ${nodes}\n  dimensions: { cpu: vcpu }\n`);
    expectUserError(await drs(['validate', dims]), `${dims}:7, field 'pools.dimensions.cpu': the openb cpu column maps to dimension 'vcpu', which the scenario lacks`);
  });

  it('the unit prices of pools read from a node list, likewise (was: pricePerGpuHour: 1e300 ran to a cost of ∞)', async () => {
    // Fields are checked before the node list is looked for: nodes.csv need not exist.
    const pools = (prices: string): string => tmpFile('s.yaml', SCENARIO.replace(/pools:\n[\s\S]*?\ntrace:/, `pools: { kind: alibaba-nodes, file: nodes.csv, ${prices} }\ntrace:`));
    const TOO_HIGH = 'expected a price of at most 1e9 per unit-hour (a larger one overflows the cost totals)';
    for (const [prices, field] of [
      ['pricePerGpuHour: 1e300', 'pools.pricePerGpuHour'],
      ['pricePerCpuHour: 2e9', 'pools.pricePerCpuHour'],
      ['pricePerGiBHour: 1e308', 'pools.pricePerGiBHour'],
      ['gpuPriceByModel: { V100: 1e300 }', 'pools.gpuPriceByModel.V100'],
    ]) {
      const f = pools(prices as string);
      expectUserError(await drs(['validate', f]), `${f}:4, field '${field as string}': ${TOO_HIGH}`);
    }
  });

  it('a synthetic workload expected to exceed 1e8 requests (rate × horizon, or count) is refused, naming the limit', async () => {
    const rate = scenario('rate: 0.5', 'rate: 1e300');
    expectUserError(await drs(['validate', rate]), `${rate}:12, field 'trace.arrival.rate': about 6.00e+302 requests (arrival rate 1e+300/s × horizon 600 s) exceed the 1e8 requests a run can hold`);
    // Both horizons at 1e15 s: 0.5/s × 1e15 s.
    const both = tmpFile('s.yaml', SCENARIO.replace('horizon: 10m\npools', 'horizon: 1000000000000000\npools').replace('  horizon: 10m\n', '  horizon: 1000000000000000\n'));
    expectUserError(await drs(['validate', both]), `${both}:11, field 'trace.horizon': about 5.00e+14 requests`);
    // A horizon alone is not capped: the run is event-driven, and the trace's 10 min horizon bounds the requests.
    expect((await drs(['validate', scenario('horizon: 10m\npools', 'horizon: 1000000000000000\npools')])).code).toBe(0);
    // A horizon that makes rate × horizon absurd, or overflow, is named, not trace.limit.
    const huge = tmpFile('s.yaml', SCENARIO.replace('horizon: 10m\npools', 'pools').replace('  horizon: 10m\n', '  horizon: 1e308\n'));
    expectUserError(await drs(['validate', huge]), `${huge}:10, field 'trace.horizon': about 5.00e+307 requests (arrival rate 0.5/s × horizon 1e+308 s) exceed the 1e8 requests a run can hold`);
    const over = tmpFile('s.yaml', SCENARIO.replace('horizon: 10m\npools', 'pools').replace('  horizon: 10m\n', '  horizon: 1e308\n').replace('rate: 0.5', 'rate: 8'));
    expectUserError(await drs(['validate', over]), `${over}:10, field 'trace.horizon': more requests than a number can hold (arrival rate 8/s × horizon 1e+308 s) exceed the 1e8 requests a run can hold`);
    // The scenario's horizon, when it is the shorter of the two, is the one named.
    const outer = tmpFile('s.yaml', SCENARIO.replace('horizon: 10m\npools', 'horizon: 1e307\npools').replace('  horizon: 10m\n', '  horizon: 1e308\n'));
    expectUserError(await drs(['validate', outer]), `${outer}:3, field 'horizon': about 5.00e+306 requests (arrival rate 0.5/s × horizon 1e+307 s)`);
    // A count with no horizon to stop it first.
    const count = tmpFile('s.yaml', SCENARIO.replace('horizon: 10m\npools', 'pools').replace('  horizon: 10m\n', '  count: 200000000\n'));
    expectUserError(await drs(['validate', count]), `${count}:10, field 'trace.count': 2.00e+8 requests exceed the 1e8 requests a run can hold`);
  });
});
