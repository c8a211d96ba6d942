import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSeeds } from '../../src/cli/replay-openb.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { openbArrivals } from '../../src/sim/openb.js';
import { drs, tmpFile } from '../cli/helpers.js';

const HEAD = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec';
const NODES = 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,T4\nn1,64000,262144,2,T4\n';

describe('drs replay-openb', () => {
  it('runs the protocol on a tiny cluster and prints one JSON object in the documented shape', async () => {
    const pods = tmpFile('pods.csv', `${HEAD}\np0,1000,1024,1,500,\np1,1000,1024,1,500,\np2,1000,1024,2,1000,\n`);
    const nodes = tmpFile('nodes.csv', NODES);
    const r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'best-fit,fgd', '--seeds', '1-2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { seeds: number[]; results: { policy: string; allocation: Record<string, number>; sd: Record<string, number> }[] };
    expect(j.seeds).toEqual([1, 2]);
    expect(j.results.map((x) => x.policy)).toEqual(['best-fit', 'fgd']);
    expect(Object.keys(j.results[0]?.allocation ?? {})).toEqual(['80', '100', '130']);
  });

  it('bad input: a pod asking for 1,500 milli of one GPU, a GPU model no node has, a node list missing a column', async () => {
    const nodes = tmpFile('nodes.csv', NODES);
    const big = tmpFile('big.csv', `${HEAD}\np0,1000,1024,1,1500,\n`);
    let r = await drs(['replay-openb', big, '--nodes', nodes]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${big}:2, field 'gpu_milli'`);
    const model = tmpFile('model.csv', `${HEAD}\np0,1000,1024,1,500,H100\n`);
    r = await drs(['replay-openb', model, '--nodes', nodes]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${model}:2, field 'gpu_spec': GPU model H100 is on no node`);
    const badNodes = tmpFile('nodes-bad.csv', 'sn,cpu_milli,gpu,model\nn0,64000,2,T4\n');
    r = await drs(['replay-openb', big, '--nodes', badNodes]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${badNodes}:1, field 'memory_mib'`);
    r = await drs(['replay-openb', big, '--nodes', nodes, '--policies', 'fastest']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown policy 'fastest'");
  });

  it('refuses a node list without GPUs, a pod listed twice and an --html path that is a folder, before running; shows an unreached point as —', async () => {
    const pods = tmpFile('pods2.csv', `${HEAD}\np0,1000,1024,1,500,\np1,1000,1024,1,500,\n`);
    const noGpu = tmpFile('nodes-cpu.csv', 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,0,\n');
    let r = await drs(['replay-openb', pods, '--nodes', noGpu]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${noGpu}: the node list has no GPUs`);
    const nodes = tmpFile('nodes.csv', NODES);
    const twice = tmpFile('twice.csv', `${HEAD}\np0,1000,1024,1,500,\np0,1000,1024,1,500,\n`);
    r = await drs(['replay-openb', twice, '--nodes', nodes]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${twice}:3, field 'name': duplicate id 'p0' (also on line 2): each request needs its own id`);
    const dupNodes = tmpFile('nodes-dup.csv', `${NODES}n0,64000,262144,2,T4\n`);
    r = await drs(['replay-openb', pods, '--nodes', dupNodes]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${dupNodes}:4, field 'sn': node 'n0' is listed twice (first on line 2)`);
    r = await drs(['replay-openb', pods, '--nodes', nodes, '--html', path.dirname(nodes)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--html .*: is a folder; give a file name/);
    expect(r.err).not.toMatch(/seed \d+:/);
    r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '1', '--tune', '0.5']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('NaN');
    expect(r.out).toMatch(/^best-fit\s+—\s+—\s+—/m);
    expect(r.out).toContain('never reaches that point');
  });

  it('refuses a pod list with no pod or no GPU pod and a --tune beyond 10, in one line, instead of hanging or crashing', async () => {
    const nodes = tmpFile('nodes.csv', NODES);
    const empty = tmpFile('empty.csv', `${HEAD}\n`);
    let r = await drs(['replay-openb', empty, '--nodes', nodes, '--seeds', '1', '--policies', 'fgd']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`drs replay-openb: ${empty}:2: no records after the header: the trace holds no pods`);
    // Tuning copies pods until the GPU request reaches the target: CPU-only pods never do.
    const cpu = tmpFile('cpu.csv', `${HEAD}\np0,1000,1024,0,0,\np1,2000,1024,0,0,\n`);
    r = await drs(['replay-openb', cpu, '--nodes', nodes, '--seeds', '1', '--policies', 'fgd']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${cpu}: none of the 2 pods asks for a GPU`);
    const pods = tmpFile('pods1.csv', `${HEAD}\np0,1000,1024,1,500,\n`);
    r = await drs(['replay-openb', pods, '--nodes', nodes, '--seeds', '1', '--policies', 'fgd', '--tune', '1e9']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("drs replay-openb: --tune expects a number between 0.01 and 10 (× the cluster's GPUs), got '1e9'");
  });

  it('openbArrivals refuses to tune a list without GPU pods instead of looping for ever', () => {
    const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
    const pod: Request = { id: 'p0', tenant: 't', arrival: 0, demand: [1, 1, 0], duration: 1, priority: 'medium' };
    expect(() => openbArrivals([pod], 4000, 1, 1.3, { cpu: space.indexOf('cpu'), gpu: space.indexOf('gpu') })).toThrow(/none of the 1 pods asks for a GPU/);
  });

  it('--html escapes the pod list path it prints as the title', async () => {
    const pods = tmpFile('<b>&x.csv', `${HEAD}\np0,1000,1024,1,500,\np1,1000,1024,2,1000,\n`);
    const nodes = tmpFile('nodes.csv', NODES);
    const html = path.join(path.dirname(pods), 'chart.html');
    const r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '1', '--html', html]);
    expect(r.code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('&lt;b&gt;&amp;x.csv</title>');
    expect(text).not.toContain('<b>');
  });

  it('seed lists and ranges', () => {
    expect(parseSeeds('42-44,1')).toEqual([42, 43, 44, 1]);
    expect(() => parseSeeds('x')).toThrow(/--seeds/);
  });
});
