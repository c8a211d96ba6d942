import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceFormatError, UserError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { parseGpuSpec, readAlibabaNodePools, readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { checkPoolMaxNodes } from '../../src/traces/alibaba-nodes.js';
import { collect, DATA_ROOT, fixture, haveData, rejection } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const HEAD = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
const PODS = [
  HEAD,
  'p0,12000,16384,1,1000,,LS,Running,100,1100,100',
  'p1,6000,12288,1,460,,BE,Running,200,300,200',
  'p2,88000,327680,8,1000,V100M32,Burstable,Succeeded,300,400,300',
  'p3,4000,15258,1,220,P100|T4|T4,Guaranteed,Failed,400,,400',
  'p4,1000,1024,0,0,,BE,Pending,500,500,',
  'p5,1000,1024,1,500,V100M16|V100M32,LS,Running,600,700,600',
].join('\n');

describe('readAlibabaPodRequests on a fixture', () => {
  it('converts units, shares GPUs, maps qos, and counts the documented skips', async () => {
    const stream = readAlibabaPodRequests(fixture('pods.csv.gz', PODS), { space });
    const reqs = await collect(stream);
    expect(reqs.map((r) => r.id)).toEqual(['p0', 'p1', 'p2', 'p5']);
    expect(reqs[0]).toEqual({ id: 'p0', tenant: 'LS', arrival: 0, demand: [12, 16, 1], duration: 1000, priority: 'high', preemptible: false });
    expect(reqs[1]).toEqual({ id: 'p1', tenant: 'BE', arrival: 100, demand: [6, 12, 0.46], duration: 100, priority: 'low', preemptible: true });
    expect(reqs[2]).toEqual({
      id: 'p2',
      tenant: 'Burstable',
      arrival: 200,
      demand: [88, 320, 8],
      duration: 100,
      priority: 'medium',
      preemptible: false,
      gpuModels: ['V100M32'],
    });
    // any-of GPU models: the request may run on any of them (core/gpu.ts).
    expect(reqs[3]?.gpuModels).toEqual(['V100M16', 'V100M32']);
    expect(reqs[3]?.demand).toEqual([1, 1, 0.5]);
    expect(stream.stats).toEqual({
      records: 6,
      emitted: 4,
      skipped: { 'no-deletion-time': 1, 'non-positive-duration': 1 },
      adjusted: {},
    });
  });

  it('with the scenario pools, an any-of GPU spec is checked against the models on offer', async () => {
    const pool = (name: string, model: string): PoolSpec => ({
      name,
      capacity: [96, 384, 8],
      nodes: { min: 1, max: 1, initial: 1 },
      pricePerHour: 1,
      latencyMs: 0,
      bootSeconds: 0,
      labels: { gpuModel: model },
    });
    const pools = [pool('a', 'V100M16'), pool('b', 'T4'), pool('c', 'V100M32'), pool('d', 'V100M32')];
    const reqs = await collect(readAlibabaPodRequests(fixture('pods2.csv', PODS), { space, pools }));
    expect(reqs.find((r) => r.id === 'p5')?.gpuModels).toEqual(['V100M16', 'V100M32']);
    // A GPU model no node has: an error naming file, line and field.
    const onlyT4 = [pool('b', 'T4')];
    const e = await rejection(collect(readAlibabaPodRequests(fixture('pods2b.csv', PODS), { space, pools: onlyT4 })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toContain(`pods2b.csv:4, field 'gpu_spec': GPU model V100M32 is on no node`);
  });

  it('alternative rules: clamp, a fixed duration for pods without deletion, phases, constant tenant, SLOs', async () => {
    const stream = readAlibabaPodRequests(fixture('pods3.csv', PODS), {
      space,
      nonPositive: 'clamp',
      minDuration: 5,
      noDeletion: 3600,
      phases: ['Running', 'Pending', 'Failed'],
      tenant: 'openb',
      sloWait: { high: 10 },
      qosPriority: { LS: 'high', BE: 'background', Burstable: 'medium', Guaranteed: 'critical' },
    });
    const reqs = await collect(stream);
    expect(reqs.map((r) => r.id)).toEqual(['p0', 'p1', 'p3', 'p4', 'p5']);
    expect(reqs.find((r) => r.id === 'p3')).toMatchObject({ duration: 3600, priority: 'critical', tenant: 'openb' });
    expect(reqs.find((r) => r.id === 'p4')).toMatchObject({ duration: 5, priority: 'background', arrival: 400 });
    expect(reqs[0]?.sloWait).toBe(10);
    expect(reqs[1]?.sloWait).toBeUndefined();
    expect(stream.stats.skipped).toEqual({ 'phase:Succeeded': 1 });
    expect(reqs.find((r) => r.id === 'p3')?.gpuModels).toEqual(['P100', 'T4']);
    expect(stream.stats.adjusted).toEqual({ 'no-deletion-time': 1, 'non-positive-duration': 1 });
  });

  it('an unknown pod phase (a typo would keep no pod) is an error naming it', () => {
    let e: unknown;
    try {
      readAlibabaPodRequests(fixture('phase.csv.gz', PODS), { space, phases: ['Running', 'Runing'] });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).location.field).toBe('phases[1]');
    expect((e as Error).message).toContain("unknown pod phase 'Runing' (the phases are Pending, Running, Succeeded, Failed, Unknown)");
  });

  it('error rules and bad values are located', async () => {
    const f = fixture('pods4.csv', PODS);
    const e1 = await rejection(collect(readAlibabaPodRequests(f, { space, noDeletion: 'error' })));
    expect(e1).toBeInstanceOf(TraceFormatError);
    expect(e1.message).toContain(`${f}:5, field 'deletion_time'`);
    const e2 = await rejection(collect(readAlibabaPodRequests(f, { space, nonPositive: 'error' })));
    expect(e2.message).toContain(`${f}:6, field 'deletion_time'`);

    const badQos = fixture('pods5.csv', `${HEAD}\nq,1000,1024,0,0,,Platinum,Running,0,10,0\n`);
    const e3 = await rejection(collect(readAlibabaPodRequests(badQos, { space })));
    expect(e3.message).toContain(`${badQos}:2, field 'qos': unknown qos 'Platinum'`);

    const badMilli = fixture('pods6.csv', `${HEAD}\nq,1000,1024,1,1500,,LS,Running,0,10,0\n`);
    expect((await rejection(collect(readAlibabaPodRequests(badMilli, { space })))).message).toContain(`${badMilli}:2, field 'gpu_milli': 1500 milli of one GPU exceeds 1000`);
    const split = fixture('pods6b.csv', `${HEAD}\nq,1000,1024,2,500,,LS,Running,0,10,0\n`);
    expect((await rejection(collect(readAlibabaPodRequests(split, { space })))).message).toContain(`${split}:2, field 'gpu_milli'`);
    // num_gpu and gpu_milli disagreeing on whether the pod uses a GPU were read as a CPU pod.
    const noCount = fixture('pods6c.csv', `${HEAD}\nq,1000,1024,0,0,,LS,Running,0,10,0\nr,1000,1024,0,500,,LS,Running,0,10,0\n`);
    expect((await rejection(collect(readAlibabaPodRequests(noCount, { space })))).message).toBe(`${noCount}:3, field 'gpu_milli': num_gpu is 0 but gpu_milli is 500: does the pod use a GPU? (a CPU pod has 0 in both)`);
    const noShare = fixture('pods6d.csv', `${HEAD}\nq,1000,1024,2,0,,LS,Running,0,10,0\n`);
    expect((await rejection(collect(readAlibabaPodRequests(noShare, { space })))).message).toContain(`${noShare}:2, field 'gpu_milli': 2 GPU(s) with 0 milli each`);

    const badCpu = fixture('pods7.csv', `${HEAD}\nq,1000,1024,0,0,,LS,Running,0,10,0\nr,many,1024,0,0,,LS,Running,0,10,0\n`);
    expect((await rejection(collect(readAlibabaPodRequests(badCpu, { space })))).message).toBe(`${badCpu}:3, field 'cpu_milli': 'many' is not a number`);
    // Number() alone read 0x10 as 16 CPU milli (the SWF and forecast readers refuse it); plain
    // decimals with a sign, a fraction or an exponent stay numbers.
    for (const odd of ['0x10', '0b11', '0o7', '1_000']) {
      const hex = fixture('pods7h.csv', `${HEAD}\nq,${odd},1024,0,0,,LS,Running,0,10,0\n`);
      // (1_000 also says what the separator may be: number-separators.test.ts.)
      expect((await rejection(collect(readAlibabaPodRequests(hex, { space })))).message, odd).toMatch(new RegExp(`^${hex}:2, field 'cpu_milli': '${odd}' is not a number${odd === '1_000' ? ' \\(a thousands separator' : '$'}`));
    }
    const plain = fixture('pods7p.csv', `${HEAD}\nq,1e3,+1024,0,0,,LS,Running,0,10,0\nr,.5e3,512.,0,0,,LS,Running,0,10,0\n`);
    expect((await collect(readAlibabaPodRequests(plain, { space }))).map((r) => r.demand[0])).toEqual([1, 0.5]);

    expect(() => readAlibabaPodRequests(f, { space: new ResourceSpace(['cpu', 'memory']) })).toThrow(UserError);
  });

  it('a row with more or fewer cells than the header, or no row at all, is refused at its line, in pod and node lists', async () => {
    // csvRows accepts ragged rows: an extra cell would be dropped unread, a missing one read as ''.
    const long = fixture('pods-long.csv', `${HEAD}\np0,4000,8192,1,500,,LS,Running,0,100,0,extra\n`);
    expect((await rejection(collect(readAlibabaPodRequests(long, { space })))).message).toBe(
      `${long}:2: 12 cells, but the header has 11 columns (extra 'extra': a stray ',' or a shifted row?)`,
    );
    const short = fixture('pods-short.csv', `${HEAD}\np0,4000,8192,1,500,,LS,Running,0,100,0\np1,4000,8192,1,500,,LS,Running,0,100\n`);
    const e = await rejection(collect(readAlibabaPodRequests(short, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${short}:3: 10 cells, but the header has 11 columns (no scheduled_time: a missing ',' or a cut-off row?)`);
    const nodes = fixture('nodes-ragged.csv', 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,P100\nn1,64000,262144,2\n');
    expect((await rejection(readAlibabaNodePools(nodes, { space }))).message).toBe(`${nodes}:3: 4 cells, but the header has 5 columns (no model: a missing ',' or a cut-off row?)`);
    const headerOnly = fixture('pods-header.csv.gz', `${HEAD}\n`);
    expect((await rejection(collect(readAlibabaPodRequests(headerOnly, { space })))).message).toBe(`${headerOnly}:2: no records after the header: the trace holds no pods`);
    const noNodes = fixture('nodes-header.csv', 'sn,cpu_milli,memory_mib,gpu,model\n');
    expect((await rejection(readAlibabaNodePools(noNodes, { space }))).message).toBe(`${noNodes}:2: no nodes after the header: the node list gives no pool`);
    const wide = fixture('nodes-wide.csv', 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,P100,x\n');
    expect((await rejection(readAlibabaNodePools(wide, { space }))).message).toBe(`${wide}:2: 6 cells, but the header has 5 columns (extra 'x': a stray ',' or a shifted row?)`);
  });

  it('a second replayed pod with the name of one before it is refused naming both lines', async () => {
    // The simulator keys allocations by request id: a repeated name failed mid-run ("allocation p0#0 already exists").
    const dup = fixture('pods-dup.csv', `${HEAD}\np0,1000,1024,1,500,,LS,Running,0,100,0\np1,1000,1024,1,500,,LS,Running,10,100,10\np0,1000,1024,1,500,,LS,Running,20,100,20\n`);
    const e = await rejection(collect(readAlibabaPodRequests(dup, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${dup}:4, field 'name': duplicate id 'p0' (also on line 2): each request needs its own id`);
    // A pod left out by a counted rule (here: zero length) is not replayed, so its name may recur.
    const skipped = fixture('pods-dup-skipped.csv', `${HEAD}\np0,1000,1024,1,500,,LS,Running,0,0,0\np0,1000,1024,1,500,,LS,Running,10,100,10\n`);
    expect((await collect(readAlibabaPodRequests(skipped, { space }))).map((r) => [r.id, r.arrival])).toEqual([['p0', 0]]);
  });

  it('a pod list out of creation order is replayed sorted (ties in file order), arrivals from the earliest pod, the reordering counted', async () => {
    // The paper's lists are lists, not logs: gpushare40 and cpu050 were refused ("sort the file by arrival").
    const f = fixture('pods-unsorted.csv', `${HEAD}\nlate,1000,1024,1,500,,LS,Running,500,900,500\ne1,1000,1024,1,500,,LS,Running,100,200,100\nnodel,1000,1024,1,500,,LS,Running,50,,50\ne2,1000,1024,1,500,,LS,Running,100,300,100\nmid,1000,1024,0,0,,BE,Running,300,400,300\n`);
    const stream = readAlibabaPodRequests(f, { space });
    const reqs = await collect(stream);
    expect(reqs.map((r) => [r.id, r.arrival, r.duration])).toEqual([
      ['e1', 0, 100],
      ['e2', 0, 200],
      ['mid', 200, 100],
      ['late', 400, 400],
    ]);
    // e1, e2 and mid come after a pod created later (late); the skipped pod counts only as skipped.
    expect(stream.stats).toEqual({ records: 5, emitted: 4, skipped: { 'no-deletion-time': 1 }, adjusted: { 'reordered-by-creation-time': 3 } });
    // `limit` keeps the earliest pods, not the first lines.
    expect((await collect(readAlibabaPodRequests(f, { space, limit: 2 }))).map((r) => r.id)).toEqual(['e1', 'e2']);
    // An in-order list is unchanged and counts nothing.
    const sorted = readAlibabaPodRequests(fixture('pods-sorted.csv', PODS), { space });
    await collect(sorted);
    expect(sorted.stats.adjusted).toEqual({});
  });

  it('pod and node lists are read by column name ignoring case (an upper-case re-export)', async () => {
    const pods = fixture('pods-upper.csv', PODS.replace(HEAD, HEAD.toUpperCase()));
    expect((await collect(readAlibabaPodRequests(pods, { space }))).map((r) => r.id)).toEqual(['p0', 'p1', 'p2', 'p5']);
    const nodes = fixture('nodes-upper.csv', 'SN,CPU_MILLI,MEMORY_MIB,GPU,MODEL\nn0,64000,262144,2,P100\n');
    expect((await readAlibabaNodePools(nodes, { space }))[0]).toMatchObject({ capacity: [64, 256, 2], gpus: { count: 2, model: 'P100' }, nodeNames: ['n0'] });
  });

  it('a pod list without a gpu_milli column (e.g. misspelt) is refused, not read as whole GPUs', async () => {
    const f = fixture('no-milli.csv', 'name,cpu_milli,memory_mib,num_gpu,gpu_mili\na,8000,16384,1,500\n');
    const e = await rejection(collect(readAlibabaPodRequests(f, { space, staticDuration: 60 })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(new RegExp(`^${f}:1, field 'gpu_milli': missing column 'gpu_milli'`));
  });

  it('a pod list without times (multigpu30) needs staticDuration, then every pod arrives at 0', async () => {
    const f = fixture('static.csv', 'name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,8000,16384,2,1000\nb,4000,8192,1,250\n');
    const e = await rejection(collect(readAlibabaPodRequests(f, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toContain("missing column 'creation_time'");
    expect(e.message).toContain('staticDuration');
    // After blank lines the header, and the error, are on a later line.
    const late = fixture('static-late.csv', '\n\nname,cpu_milli,memory_mib,num_gpu,gpu_milli\na,8000,16384,2,1000\n');
    expect((await rejection(collect(readAlibabaPodRequests(late, { space })))).message).toMatch(new RegExp(`^${late}:3, field 'creation_time': missing column 'creation_time'`));
    const stream = readAlibabaPodRequests(f, { space, staticDuration: 3600 });
    const reqs = await collect(stream);
    expect(reqs.map((r) => [r.arrival, r.duration, r.demand[2], r.priority])).toEqual([
      [0, 3600, 2, 'medium'],
      [0, 3600, 0.25, 'medium'],
    ]);
    expect(stream.stats.adjusted).toEqual({ 'static-times': 2 });
  });

  it('parseGpuSpec splits, trims and dedupes', () => {
    expect(parseGpuSpec('')).toEqual([]);
    expect(parseGpuSpec('V100M16|V100M32|V100M32')).toEqual(['V100M16', 'V100M32']);
    expect(parseGpuSpec(' V100M16 | V100M32 ')).toEqual(['V100M16', 'V100M32']);
  });

  it("'nan' (pandas' missing value, the README's \"no constraint\") is no GPU model, in pod and node lists", async () => {
    // Read as a model named 'nan', a pod could run nowhere (with pools: "GPU model nan is on no node").
    expect(parseGpuSpec('nan')).toEqual([]);
    expect(parseGpuSpec('NaN')).toEqual([]);
    const pods = fixture('pods-nan.csv', `${HEAD}\np0,4000.0,8192.0,1.0,500.0,nan,LS,Running,0.0,100.0,0.0\n`);
    const pool: PoolSpec = { name: 'a', capacity: [96, 384, 8], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: { gpuModel: 'T4' } };
    expect(await collect(readAlibabaPodRequests(pods, { space, pools: [pool] }))).toEqual([{ id: 'p0', tenant: 'LS', arrival: 0, demand: [4, 8, 0.5], duration: 100, priority: 'high', preemptible: false }]);
    const nodes = await readAlibabaNodePools(fixture('nodes-nan.csv', 'sn,cpu_milli,memory_mib,gpu,model\nn0,32000,262144,0,nan\nn1,32000,262144,0,\n'), { space });
    expect(nodes.map((p) => [p.name, p.labels, p.nodes.initial])).toEqual([['openb-cpu-32c-256g', {}, 2]]);
  });
});

describe('readAlibabaNodePools on a fixture', () => {
  const NODES = ['sn,cpu_milli,memory_mib,gpu,model', 'n0,32000,262144,0,', 'n1,96000,393216,8,G2', 'n2,96000,393216,8,G2', 'n3,64000,262144,2,P100'].join('\n');

  it('groups identical nodes into pools with summed prices', async () => {
    const pools = await readAlibabaNodePools(fixture('nodes.csv', NODES), { space });
    expect(pools.map((p) => [p.name, p.capacity, p.nodes.initial, p.pricePerHour, p.labels])).toEqual([
      ['openb-cpu-32c-256g', [32, 256, 0], 1, 2.56, {}],
      ['openb-G2x8-96c-384g', [96, 384, 8], 2, 21.76, { gpuModel: 'G2' }],
      ['openb-P100x2-64c-256g', [64, 256, 2], 1, 7.84, { gpuModel: 'P100' }],
    ]);
    expect(pools[1]).toMatchObject({ nodes: { min: 2, max: 2, initial: 2 }, bootSeconds: 120, latencyMs: 0 });
  });

  it('maps the openb quantities to the dimensions named in `dimensions`, and names a dimension the scenario lacks', async () => {
    const named = new ResourceSpace(['vcpu', 'ram', 'accel']);
    const dimensions = { cpu: 'vcpu', memory: 'ram', gpu: 'accel' };
    const pools = await readAlibabaNodePools(fixture('nodes-dims.csv', NODES), { space: named, dimensions });
    expect(pools.map((p) => p.capacity)).toEqual([[32, 256, 0], [96, 384, 8], [64, 256, 2]]);
    const pods = await collect(readAlibabaPodRequests(fixture('pods-dims.csv', PODS), { space: named, dimensions }));
    expect(pods[0]?.demand).toEqual([12, 16, 1]);
    await expect(readAlibabaNodePools(fixture('nodes-dims2.csv', NODES), { space: named })).rejects.toThrow(
      "field 'dimensions.cpu': the openb cpu column maps to dimension 'cpu', which the scenario lacks (it has: vcpu, ram, accel)",
    );
    expect(() => readAlibabaPodRequests(fixture('pods-dims2.csv', PODS), { space: named, dimensions: { cpu: 'vcpu', memory: 'ram' } })).toThrow(
      "field 'dimensions.gpu': the openb gpu column maps to dimension 'gpu'",
    );
  });

  it('takes prices per model, elastic bounds and rejects GPUs in a space without gpu', async () => {
    const f = fixture('nodes2.csv', NODES);
    const pools = await readAlibabaNodePools(f, { space, gpuPriceByModel: { G2: 1 }, pricePerCpuHour: 0, pricePerGiBHour: 0, minFraction: 0.5, maxFactor: 2 });
    expect(pools[1]).toMatchObject({ pricePerHour: 8, nodes: { min: 1, max: 4, initial: 2 } });
    expect(pools[2]?.pricePerHour).toBe(4);
    const e = await rejection(readAlibabaNodePools(f, { space: new ResourceSpace(['cpu', 'memory']) }));
    expect(e.message).toContain(`${f}:3, field 'gpu'`);
  });

  it('refuses a maxFactor that takes a pool past the 1,000,000-node limit, naming the largest pool and the factor that fits', async () => {
    const f = fixture('nodes-max.csv', NODES);
    // The largest group (G2) has 2 nodes: 2 × 500,000 is the limit itself, accepted.
    const at = await readAlibabaNodePools(f, { space, maxFactor: 500_000 });
    expect(at.map((p) => p.nodes.max)).toEqual([500_000, 1_000_000, 500_000]);
    // ⌈2 × 500,000.5⌉ = 1,000,001: one node over.
    const e = await rejection(readAlibabaNodePools(f, { space, maxFactor: 500_000.5 }));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).location.field).toBe('maxFactor');
    expect(e.message).toBe(
      "field 'maxFactor': 500000.5 takes pool 'openb-G2x8-96c-384g' (2 nodes in the node list) to 1,000,001 nodes: expected at most 1,000,000 nodes per pool (every node is held and scanned in memory; a larger pool cannot run); a maxFactor of at most 500000 fits this list",
    );
    // A factor that does not divide the limit: the bound is rounded down, so the factor it names fits.
    const three = fixture('nodes-three.csv', ['cpu_milli,memory_mib,gpu', '1000,1024,0', '1000,1024,0', '1000,1024,0'].join('\n'));
    expect((await rejection(readAlibabaNodePools(three, { space, maxFactor: 1e9 }))).message).toContain('(3 nodes in the node list) to 3,000,000,000 nodes: ' );
    expect((await rejection(readAlibabaNodePools(three, { space, maxFactor: 1e9 }))).message).toContain('a maxFactor of at most 333333.333 fits this list');
    expect((await readAlibabaNodePools(three, { space, maxFactor: 333_333.333 }))[0]?.nodes.max).toBe(1_000_000);
    // A list with more nodes of one shape than a pool may have is the list's fault, whatever the factor (no file of a million rows here: the check alone).
    expect(() => checkPoolMaxNodes('openb-cpu-1c-1g', 1_000_001, 1, 'nodes.csv')).toThrow(
      new TraceFormatError("pool 'openb-cpu-1c-1g' has 1,000,001 nodes in the node list: expected at most 1,000,000 nodes per pool (every node is held and scanned in memory; a larger pool cannot run)", { file: 'nodes.csv' }),
    );
    expect(checkPoolMaxNodes('p', 1_000_000, 1, 'nodes.csv')).toBe(1_000_000);
    // 1,000,000 / 7 = 142857.142857...: rounded to 142857.143 it would not fit (7 × 142857.143 = 1,000,000.001).
    expect(() => checkPoolMaxNodes('p', 7, 1e9, 'nodes.csv')).toThrow('a maxFactor of at most 142857.142 fits this list');
    expect(checkPoolMaxNodes('p', 7, 142_857.142, 'nodes.csv')).toBe(1_000_000);
    expect(() => checkPoolMaxNodes('p', 7, 142_857.143, 'nodes.csv')).toThrow('(7 nodes in the node list) to 1,000,001 nodes');
  });
});

const POD_DEFAULT = 'gpu-cluster/openb_pod_list_default.csv.gz';

describe.skipIf(!haveData(POD_DEFAULT))('Alibaba openb on the real data', () => {
  it('default pod list: 8,152 pods, one zero-length pod skipped and counted, totals match', async () => {
    const stream = readAlibabaPodRequests(path.join(DATA_ROOT, POD_DEFAULT), { space });
    let cpu = 0;
    let gpu = 0;
    let n = 0;
    for await (const r of stream) {
      cpu += r.demand[0] as number;
      gpu += r.demand[2] as number;
      n++;
    }
    expect(stream.stats).toEqual({ records: 8152, emitted: 8151, skipped: { 'non-positive-duration': 1 }, adjusted: {} });
    expect(n).toBe(8151);
    // Sums over all 8,152 rows (awk) minus the skipped pod openb-pod-7285 (8 cpu, 0.23 gpu).
    expect(cpu).toBeCloseTo(85436.012 - 8, 6);
    expect(gpu).toBeCloseTo(6086.8 - 0.23, 6);
  });

  it('gpuspec20: 229 pods allow several GPU models', async () => {
    const stream = readAlibabaPodRequests(path.join(DATA_ROOT, 'gpu-cluster/openb_pod_list_gpuspec20.csv.gz'), { space });
    const reqs = await collect(stream);
    expect(reqs.filter((r) => (r.gpuModels?.length ?? 0) > 1).length).toBe(229);
  });

  it('multigpu30 has no times: replays with staticDuration', async () => {
    const stream = readAlibabaPodRequests(path.join(DATA_ROOT, 'gpu-cluster/openb_pod_list_multigpu30.csv.gz'), { space, staticDuration: 86400 });
    await collect(stream);
    expect(stream.stats.emitted).toBe(8508);
  });

  it('cpu050 and gpushare40 are not in creation order: replayed sorted by creation_time, the reordering counted (docs/traces.md)', async () => {
    // 13 of the paper's 23 public pod lists are out of creation order; these two were refused at line 3 and line 1090.
    for (const [name, emitted, skipped, reordered] of [
      ['cpu050', 7438, 1, 7260],
      ['gpushare40', 8150, 2, 7057],
    ] as const) {
      const stream = readAlibabaPodRequests(path.join(DATA_ROOT, `gpu-cluster/openb_pod_list_${name}.csv.gz`), { space });
      const reqs = await collect(stream);
      expect(stream.stats).toEqual({ records: emitted + skipped, emitted, skipped: { 'non-positive-duration': skipped }, adjusted: { 'reordered-by-creation-time': reordered } });
      expect(reqs[0]?.arrival).toBe(0);
      expect(reqs.every((r, i) => i === 0 || r.arrival >= (reqs[i - 1] as Request).arrival)).toBe(true);
    }
  });

  it('node lists: 1,213 GPU nodes in 15 pools; 1,523 nodes in 27 pools', async () => {
    const gpuPools = await readAlibabaNodePools(path.join(DATA_ROOT, 'gpu-cluster/openb_node_list_gpu_node.csv.gz'), { space });
    expect(gpuPools).toHaveLength(15);
    expect(gpuPools.reduce((s, p) => s + p.nodes.initial, 0)).toBe(1213);
    expect(gpuPools.every((p) => (p.capacity[2] as number) > 0 && p.labels.gpuModel !== undefined)).toBe(true);
    const all = await readAlibabaNodePools(path.join(DATA_ROOT, 'gpu-cluster/openb_node_list_all_node.csv.gz'), { space });
    expect(all).toHaveLength(27);
    expect(all.reduce((s, p) => s + p.nodes.initial, 0)).toBe(1523);
    expect(new Set(all.map((p) => p.name)).size).toBe(27);
  });
});
