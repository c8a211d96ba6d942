import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from './helpers.js';

// 4 pods of 0.5, 0.7, 2 and 0.3 GPUs on 2 nodes of 2 GPUs: each arrival moves the arrived
// workload 7.5 to 50 points, so in most seeds no arrival lands within 1 point of 80 or 100 %.
const HEAD = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
const PODS = `${HEAD}\np0,4000,8192,1,500,,LS,Running,0,100,0\np1,4000,8192,1,700,,LS,Running,0,100,0\np2,4000,8192,2,1000,,LS,Running,0,100,0\np3,4000,8192,1,300,V100,LS,Running,0,100,0\n`;
const NODES = 'sn,cpu_milli,memory_mib,gpu,model\nn0,32000,131072,2,V100\nn1,32000,131072,2,T4\n';

describe('drs replay-openb with seeds that lack a value at a point', () => {
  const pods = tmpFile('pods4.csv', PODS);
  const nodes = tmpFile('nodes2.csv', NODES);
  const args = ['replay-openb', pods, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '2-4'];

  it('averages over the seeds that have a value, says over how many, and why the others have none', async () => {
    const r = await drs(args);
    expect(r.code).toBe(0);
    // Per seed (stderr): 80 % only seed 3 (80); 100 % seeds 2 (87.5) and 4 (100); 130 % only seed 3 (80).
    expect(r.err).toContain('best-fit seed 2: 80%→— 100%→87.5 130%→—');
    expect(r.err).toContain('best-fit seed 3: 80%→80 100%→— 130%→80');
    expect(r.err).toContain('best-fit seed 4: 80%→— 100%→100 130%→—');
    // 100 %: mean (87.5 + 100) / 2 = 93.75, sample sd 12.5 / √2 = 8.84.
    const row = r.out.split('\n').find((l) => l.startsWith('best-fit'));
    expect(row?.split(/\s{2,}/).slice(0, 4)).toEqual(['best-fit', '80.00 ± — (1 of 3)', '93.75 ± 8.84 (2 of 3)', '80.00 ± — (1 of 3)']);
    expect(r.out).toContain("no value at 80% arrived for seeds 2, 4: one pod's arrival jumps past that point (no arrival lands within 1 point of it)");
    expect(r.out).toContain("no value at 130% arrived for seed 2: the workload (--tune 1.3 × the cluster's GPUs) never reaches that point");
    expect(r.out).toContain('(k of 3): mean ± sd over the k seeds that have a value');
    expect(r.out).not.toContain('no seed has a value');
  });

  it('refuses a node with more GPU devices than a machine has, at its line (1e308 was a RangeError stack trace)', async () => {
    for (const count of ['1e308', '1025']) {
      const big = tmpFile('nodes-big.csv', NODES.replace('n1,32000,131072,2,T4', `n1,32000,131072,${count},T4`));
      const r = await drs(['replay-openb', pods, '--nodes', big, '--policies', 'best-fit', '--seeds', '2']);
      expect({ code: r.code, err: r.err }, count).toEqual({ code: 2, err: `drs replay-openb: ${big}:3, field 'gpu': ${Number(count)} GPU devices on one node; at most 1024 (the openb nodes have up to 8)\n` });
    }
    const most = tmpFile('nodes-1024.csv', NODES.replace('n1,32000,131072,2,T4', 'n1,32000,131072,1024,T4'));
    expect((await drs(['replay-openb', pods, '--nodes', most, '--policies', 'best-fit', '--seeds', '2'])).code).toBe(0);
  });

  it('--quiet leaves out the per-seed progress lines and nothing else (as replay-swf, forecast and sweep take it)', async () => {
    const loud = await drs(args);
    const quiet = await drs([...args, '--quiet']);
    expect(loud.err).toContain('best-fit seed 3:');
    expect({ code: quiet.code, err: quiet.err }).toEqual({ code: 0, err: '' });
    // The table is the same but for the s/run column (wall time).
    const table = (out: string) => out.split('\n').map((l) => l.replace(/ {3}\d+\.\d$/, ''));
    expect(table(quiet.out)).toEqual(table(loud.out));
  });

  it('--json gives the same means, the counts, and the seeds without a value', async () => {
    const r = await drs([...args, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.results).toEqual([
      { policy: 'best-fit', allocation: { '80': 80, '100': 93.75, '130': 80 }, sd: { '80': 0, '100': 8.84, '130': 0 }, seedsWithValue: { '80': 1, '100': 2, '130': 1 } },
    ]);
    expect(j.noValue).toEqual([
      { seed: 2, point: '80', reason: 'jumped-past' },
      { seed: 4, point: '80', reason: 'jumped-past' },
      { seed: 3, point: '100', reason: 'jumped-past' },
      { seed: 2, point: '130', reason: 'never-reached' },
      { seed: 4, point: '130', reason: 'jumped-past' },
    ]);
  });

  it('names the pods no node holds even in the empty cluster (they arrive and are never placed), in the table and in --json', async () => {
    // A 4-GPU pod on 2-GPU nodes, and a V100 pod with more memory than the V100 node: counted in the
    // arrived request and never placed, which lowered the ratio without a word.
    const odd = tmpFile('pods-never.csv', `${PODS}big,4000,8192,4,1000,,LS,Running,0,100,0\nfat,4000,262144,1,500,V100,LS,Running,0,100,0\n`);
    const r = await drs(['replay-openb', odd, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 pod(s) fit no node even in the empty cluster: they arrive, count in the arrived GPU request and are never placed: big (requests 4 gpu but the largest allowed node has 2); fat (requests 256 memory but the largest allowed node has 128)');
    const j = JSON.parse((await drs(['replay-openb', odd, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '2', '--json'])).out);
    expect(j.neverFits).toEqual([
      { pod: 'big', reason: 'requests 4 gpu but the largest allowed node has 2' },
      { pod: 'fat', reason: 'requests 256 memory but the largest allowed node has 128' },
    ]);
    expect(JSON.parse((await drs([...args, '--json'])).out).neverFits).toEqual([]);
    expect((await drs(args)).out).not.toContain('fit no node');
  });

  it('a point no seed reaches is null in --json and — in the table', async () => {
    const r = await drs([...args.slice(0, -1), '1', '--tune', '0.5', '--json']);
    const j = JSON.parse(r.out);
    expect(j.results[0]).toMatchObject({ allocation: { '80': null, '100': null, '130': null }, sd: { '80': null }, seedsWithValue: { '80': 0, '100': 0, '130': 0 } });
    expect(j.noValue.map((m: { reason: string }) => m.reason)).toEqual(['never-reached', 'never-reached', 'never-reached']);
  });
});

describe('drs replay-openb refuses ragged rows', () => {
  it('a pod row with an extra cell exits 2 naming the file and line', async () => {
    const pods = tmpFile('longrow.csv', `${HEAD}\np0,4000,8192,1,500,,LS,Running,0,100,0,extra\n`);
    const r = await drs(['replay-openb', pods, '--nodes', tmpFile('nodes2.csv', NODES), '--seeds', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${pods}:2: 12 cells, but the header has 11 columns (extra 'extra': a stray ',' or a shifted row?)`);
  });
});

describe('drs replay-openb refuses a policy or seed given twice', () => {
  const pods = tmpFile('pods4.csv', PODS);
  const nodes = tmpFile('nodes2.csv', NODES);
  it("--policies fgd,fgd is refused (it ran fgd once and compared it with nothing), as a sweep refuses a repeated strategy", async () => {
    const r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'fgd,best-fit,fgd', '--seeds', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("drs replay-openb: field '--policies': policy 'fgd' is listed twice (it would be compared with itself)\n");
    expect(r.out).toBe('');
  });
  it('--seeds 1,3,1-2 is refused (the repeated seed ran once)', async () => {
    const r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'fgd', '--seeds', '1,3,1-2']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("drs replay-openb: field '--seeds': seed 1 is listed twice in '1,3,1-2' (each seed is one run)\n");
  });
});
