import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { readPackingFile } from '../../src/traces/bin-packing.js';
import { readDemandSeries } from '../../src/traces/demand-series.js';
import { openTrace } from '../../src/traces/registry.js';
import { DATA_ROOT, haveData } from './helpers.js';

/*
 * The readers against the real data, each total computed twice: once here from the raw text (no
 * reader code), once through the reader; the literals are the same totals counted by hand with
 * zcat | awk (2026-12-07), so a change in either is seen. Skipped without the data root.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const at = (rel: string): string => path.join(DATA_ROOT, rel);
const text = (rel: string): string => {
  const b = readFileSync(at(rel));
  return (rel.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
};
/** Data lines of a CSV (header dropped, CR stripped), split on commas (none of these files quotes). */
const csvLines = (rel: string): string[][] =>
  text(rel)
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '')
    .map((l) => l.split(','));

async function totals(stream: AsyncIterable<{ arrival: number; duration: number; demand: readonly number[] }>) {
  let n = 0;
  let duration = 0;
  let maxArrival = 0;
  const demand = [0, 0, 0];
  for await (const r of stream) {
    n++;
    duration += r.duration;
    maxArrival = Math.max(maxArrival, r.arrival);
    r.demand.forEach((q, i) => (demand[i] = (demand[i] as number) + q));
  }
  return { n, duration, maxArrival, demand };
}

describe.skipIf(!haveData('swf/lublin_256.swf.gz'))('real data: totals the readers give equal those counted from the raw text', () => {
  // [file, records, replayed (jobs: valid), Σ run time, Σ processors] (zcat | awk)
  const SWF: [string, number, number, number, number][] = [
    ['swf/HPC2N-2002-2.2-cln.swf.gz', 202_871, 202_871, 3_453_726_379, 1_289_682],
    ['swf/SDSC-SP2-1998-4.2-cln.swf.gz', 59_715, 54_034, 399_341_974, 664_032],
    ['swf/lublin_256.swf.gz', 10_000, 10_000, 48_627_667, 221_010],
  ];
  for (const [rel, records, replayed, run, procs] of SWF) {
    it(`swf ${path.basename(rel)}: ${replayed} of ${records} jobs, their run times and processors`, async () => {
      const jobs = text(rel)
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.trimStart().startsWith(';'))
        .map((l) => l.trim().split(/\s+/).map(Number));
      const kept = jobs.filter((f) => (f[3] as number) > 0 && Math.max(f[4] as number, f[7] as number) > 0 && (f[1] as number) >= 0);
      expect([jobs.length, kept.length]).toEqual([records, replayed]);
      expect(kept.reduce((s, f) => s + (f[3] as number), 0)).toBe(run);
      expect(kept.reduce((s, f) => s + Math.max(f[4] as number, f[7] as number), 0)).toBe(procs);
      const stream = openTrace({ kind: 'swf', file: rel, options: { unsorted: 'sort' } }, { space, dataRoot: DATA_ROOT });
      const t = await totals(stream);
      expect([stream.stats.records, t.n, t.duration, t.demand[0]]).toEqual([records, replayed, run, procs]);
      const submits = kept.map((f) => f[1] as number);
      expect(t.maxArrival).toBe(submits.reduce((a, b) => Math.max(a, b)) - submits.reduce((a, b) => Math.min(a, b)));
    });
  }

  // [variant, rows, replayed, Σ duration s, Σ cpu, Σ gpu] (zcat | awk; durations > 0 only)
  const PODS: [string, number, number, number, number, number][] = [
    ['cpu050', 7_439, 7_438, 193_234_714, 72_753.612, 6_086.57],
    ['gpushare40', 8_152, 8_150, 190_191_980, 80_367.484, 5_640.79],
    ['gpuspec20', 8_152, 8_151, 210_642_503, 85_428.012, 6_086.57],
  ];
  for (const [variant, rows, replayed, dur, cpu, gpu] of PODS) {
    it(`openb pod list ${variant}: ${replayed} of ${rows} pods, durations, cpu and gpu`, async () => {
      const rel = `gpu-cluster/openb_pod_list_${variant}.csv.gz`;
      const pods = csvLines(rel).filter((c) => Number(c[9]) - Number(c[8]) > 0);
      expect(pods.length).toBe(replayed);
      expect(pods.reduce((s, c) => s + Number(c[9]) - Number(c[8]), 0)).toBe(dur);
      const stream = readAlibabaPodRequests(at(rel), { space });
      const t = await totals(stream);
      expect([stream.stats.records, t.n, t.duration]).toEqual([rows, replayed, dur]);
      expect(t.demand[0]).toBeCloseTo(cpu, 6);
      expect(t.demand[2]).toBeCloseTo(gpu, 6);
      expect(t.demand[1]).toBeCloseTo(pods.reduce((s, c) => s + Number(c[2]) / 1024, 0), 6);
    });
  }

  it('openb pod list multigpu30 (no times) under staticDuration: 8,508 pods, num_gpu × gpu_milli', async () => {
    const rel = 'gpu-cluster/openb_pod_list_multigpu30.csv.gz';
    const rows = csvLines(rel);
    const stream = readAlibabaPodRequests(at(rel), { space, staticDuration: 60 });
    const t = await totals(stream);
    expect([rows.length, t.n, t.duration, t.maxArrival]).toEqual([8_508, 8_508, 8_508 * 60, 0]);
    expect(t.demand[0]).toBeCloseTo(104_869.612, 6);
    expect(t.demand[2]).toBeCloseTo(rows.reduce((s, c) => s + (Number(c[3]) * Number(c[4])) / 1000, 0), 6);
    expect(t.demand[2]).toBeCloseTo(8_086.8, 6);
  });

  for (const [list, nodes, pools, cpu, mem, gpus] of [
    ['gpu_node', 1_213, 15, 107_018, 492_020, 6_212],
    ['all_node', 1_523, 27, 125_514, 597_684, 6_212],
  ] as const) {
    it(`openb node list ${list}: ${nodes} nodes in ${pools} pools, capacities summed`, async () => {
      const p = await readAlibabaNodePools(at(`gpu-cluster/openb_node_list_${list}.csv.gz`), { space });
      const sum = (k: number): number => p.reduce((s, x) => s + (x.capacity[k] as number) * x.nodes.initial, 0);
      expect([p.length, p.reduce((s, x) => s + x.nodes.initial, 0), new Set(p.map((x) => x.name)).size]).toEqual([pools, nodes, pools]);
      expect([sum(0), sum(1), sum(2)]).toEqual([cpu, mem, gpus]);
    });
  }

  // [file, rows, Σ value of the rows, samples interpolated in gaps] (awk: rows and Σ value)
  for (const [file, rows, total, gaps] of [
    ['nyc_taxi', 10_320, 156_219_716, 0],
    ['ec2_cpu_utilization_5f5533', 4_032, 173_821.0183, 0],
    ['rds_cpu_utilization_cc0c53', 4_032, 32_708.42477, 1],
    ['ec2_cpu_utilization_825cc2', 4_032, 362_038.3695, 2],
  ] as const) {
    it(`demand series nab/${file}: ${rows} rows, Σ value, ${gaps} gap sample(s) filled on a straight line`, async () => {
      const rel = `timeseries/nab/${file}.csv`;
      const raw = csvLines(rel).map((c) => ({ t: Date.parse(`${c[0] as string}Z`) / 1000, v: Number(c[1]) }));
      expect(raw.length).toBe(rows);
      expect(raw.reduce((s, r) => s + r.v, 0)).toBeCloseTo(total, 4);
      // The gaps, filled here by hand: k − 1 samples on the line between rows k steps apart.
      const step = (raw[1]?.t as number) - (raw[0]?.t as number);
      let filled = 0;
      let filledSum = 0;
      raw.slice(1).forEach((r, i) => {
        const prev = raw[i] as { t: number; v: number };
        const k = Math.round((r.t - prev.t) / step);
        for (let q = 1; q < k; q++) {
          filled++;
          filledSum += prev.v + ((r.v - prev.v) * q) / k;
        }
      });
      let n = 0;
      let sum = 0;
      let interpolated = 0;
      for await (const s of readDemandSeries(at(rel), {}, () => interpolated++)) {
        n++;
        sum += s.value;
      }
      expect([filled, n, interpolated]).toEqual([gaps, rows + gaps, gaps]);
      expect(sum).toBeCloseTo(total + filledSum, 4);
    });
  }

  it('demand series genai/qps aggregated by 57 s: 24,627 events in 1,410 bins, Σ value kept', async () => {
    const rel = 'timeseries/genai/qps.csv.gz';
    const rows = csvLines(rel);
    const bins = rows.map((c) => Math.floor(Number(c[0]) / 57));
    let n = 0;
    let sum = 0;
    let count = 0;
    for await (const s of readDemandSeries(at(rel), { timeColumn: 'timestamp_anon', aggregate: { step: 57, how: 'sum' } })) {
      n++;
      sum += s.value;
    }
    for await (const s of readDemandSeries(at(rel), { timeColumn: 'timestamp_anon', aggregate: { step: 57, how: 'count' } })) count += s.value;
    expect([rows.length, n, count]).toEqual([24_627, Math.max(...bins) - Math.min(...bins) + 1, 24_627]);
    expect(n).toBe(1_410);
    expect(sum).toBeCloseTo(rows.reduce((s, c) => s + Number(c[1]), 0), 6);
    expect(sum).toBeCloseTo(3_526.455, 6);
  });

  it('OR-Library binpack1-8: 20 instances each, item counts and sizes summed', async () => {
    // [file, items, Σ size] (awk over the size lines)
    const ORLIB: [number, number, number][] = [
      [1, 2_400, 145_370],
      [2, 5_000, 303_223],
      [3, 10_000, 601_906],
      [4, 20_000, 1_200_019],
      [5, 1_200, 40_000],
      [6, 2_400, 80_000],
      [7, 4_980, 166_000],
      [8, 10_020, 334_000],
    ];
    for (const [k, items, size] of ORLIB) {
      const inst = await readPackingFile(at(`binpacking/orlib/binpack${k}.txt`));
      expect(inst.length).toBe(20);
      expect(inst.reduce((s, i) => s + i.n, 0)).toBe(items);
      // Sizes are exact integers in units of 1/scale: sum them as integers, then scale once.
      expect(inst.reduce((s, i) => s + i.sizes.reduce((a, w) => a + w, 0), 0) / (inst[0]?.scale[0] as number)).toBe(size);
    }
  });
});
