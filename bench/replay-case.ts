import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../src/core/rng.js';
import { createAllocator } from '../src/algorithms/registry.js';
import type { PoolSpec } from '../src/core/model.js';
import { ResourceSpace } from '../src/core/resources.js';
import { fcfs } from '../src/queue/fcfs.js';
import { computeMetrics } from '../src/sim/metrics.js';
import { referencePolicy } from '../src/sim/reference/protocol.js';
import { replay } from '../src/sim/replay.js';
import { compareStrategies } from '../src/sim/compare.js';
import { buildScenario } from '../src/scenario/build.js';
import { loadScenario } from '../src/scenario/load.js';
import { openTrace } from '../src/traces/registry.js';
import { dataFile, dataRoot as benchDataRoot, UsageError } from './usage.js';

/**
 * One end-to-end replay case (run by replay.ts in its own process). Prints one JSON line:
 * wall seconds (trace reading + simulation + metrics), peak RSS, request counts.
 */
const which = process.argv[2];
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const dataRoot = benchDataRoot();
const t0 = performance.now();
if (which === 'quota-fleet') {
  // bench/quota-fleet.yaml through the code path of drs run: its four strategies one after the other.
  const file = path.join(import.meta.dirname, 'quota-fleet.yaml');
  const res = await compareStrategies(await buildScenario(await loadScenario(file), { file, dataRoot }));
  const done = res.results.flatMap((r) => (r.state === 'completed' ? [r.metrics.requests] : []));
  if (done.length !== res.results.length) throw new Error(`quota-fleet: a strategy failed: ${JSON.stringify(res.results.filter((r) => r.state === 'failed'))}`);
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  console.error(`${which}: ${seconds.toFixed(2)} s, peak ${maxRssMiB.toFixed(0)} MiB, ${done.length} strategies`);
  console.log(JSON.stringify({ seconds, maxRssMiB, requests: done.reduce((a, m) => a + m.total, 0), completed: done.reduce((a, m) => a + m.completed, 0) }));
  process.exit(0);
}
if (which === 'azure-llm-1m') {
  // The Azure LLM inference trace 2024's format (conv_1week: 27.3 M requests) at its rate, 45
  // requests/s, lognormal tokens, written to a temporary file (DRS_BENCH_COUNT rows, default
  // 1,000,000), replayed by drs run's code path: scenarios/azure-llm.yaml, 8 L4 nodes, first-fit.
  // The figure to watch is peak memory: the run keeps every request (columnar, ~25 bytes) and its
  // three events (17 bytes each) for the metrics.
  const count = Number(process.env.DRS_BENCH_COUNT ?? 1_000_000);
  const dir = tmpdir();
  const csv = path.join(dir, `drs-bench-azure-${count}.csv`);
  writeAzureTrace(csv, count, new Rng(1));
  const yaml = path.join(dir, `drs-bench-azure-${count}.yaml`);
  const scenario = readFileSync(path.join(import.meta.dirname, '../scenarios/azure-llm.yaml'), 'utf8')
    .replace(/file: .*/, `file: ${csv}`)
    .replace(/nodes: 2\b/, 'nodes: 8');
  writeFileSync(yaml, scenario);
  const built = await buildScenario(await loadScenario(yaml), { file: yaml, dataRoot });
  const t1 = performance.now();
  const res = await compareStrategies({ ...built, strategies: built.strategies.filter((s) => s.label === 'first-fit'), series: true });
  const r = res.results[0];
  if (r?.state !== 'completed') throw new Error(`azure-llm-1m: ${JSON.stringify(r)}`);
  const seconds = (performance.now() - t1) / 1000;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  console.error(`${which}: ${seconds.toFixed(2)} s, peak ${maxRssMiB.toFixed(0)} MiB (${((maxRssMiB * 2 ** 20) / count).toFixed(0)} bytes a request), ${r.metrics.requests.completed} completed`);
  console.log(JSON.stringify({ seconds, maxRssMiB, requests: r.metrics.requests.total, completed: r.metrics.requests.completed }));
  process.exit(0);
}
let out;
if (which === 'hpc2n-first-fit' || which === 'hpc2n-sjf-easy' || which === 'hpc2n-sjf-conservative') {
  dataFile('swf/HPC2N-2002-2.2-cln.swf.gz');
  // The HPC2N machine as one 240-processor node (the SWF logs count processors, not nodes).
  const pools: PoolSpec[] = [{ name: 'hpc2n', capacity: [240, 1e9, 0], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 240 * 0.05, latencyMs: 0, bootSeconds: 0, labels: {} }];
  // SJF with backfilling as `drs replay-swf` runs it (the protocol's EASY, or conservative): the
  // backfill step walks the backlog behind a blocked head at every pass.
  const queue = which === 'hpc2n-first-fit' ? fcfs({ blocking: true }) : referencePolicy('sjf', which === 'hpc2n-sjf-easy' ? 'easy' : 'conservative');
  out = await replay({ space, pools, seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue, requests: openTrace({ kind: 'swf', file: 'swf/HPC2N-2002-2.2-cln.swf.gz' }, { space, dataRoot }) });
} else if (which === 'synthetic-1m-bfd') {
  // 10,000 nodes in two shapes (720,000 cpu). Load by Little's law: rate × mean duration × mean
  // cpu = 200/s × 495 s (lognormal median 300 s, sigma 1) × 5.2 cpu ≈ 515,000 cpu ≈ 72% of CPU.
  const pools: PoolSpec[] = [
    { name: 'cpu', capacity: [64, 256, 0], nodes: { min: 7500, max: 7500, initial: 7500 }, pricePerHour: 2.5, latencyMs: 5, bootSeconds: 0, labels: {} },
    { name: 'gpu', capacity: [96, 1024, 8], nodes: { min: 2500, max: 2500, initial: 2500 }, pricePerHour: 30, latencyMs: 5, bootSeconds: 0, labels: {} },
  ];
  const trace = {
    kind: 'synthetic',
    seed: 1,
    count: Number(process.env.DRS_BENCH_COUNT ?? 1_000_000),
    arrival: { rate: 200, amplitude: 0.2, period: 3600 },
    duration: { dist: 'lognormal', mu: Math.log(300), sigma: 1 },
    profiles: [
      { name: 'agent', weight: 6, demand: { cpu: 2, memory: 8 } },
      { name: 'tool', weight: 3, demand: { cpu: 8, memory: 32 } },
      { name: 'infer', weight: 1, demand: { cpu: 16, memory: 128, gpu: 1 } },
    ],
    tenants: [{ name: 'a', weight: 3 }, { name: 'b', weight: 2 }, { name: 'c', weight: 1 }],
  };
  out = await replay({ space, pools, seed: 1, allocator: createAllocator({ name: 'best-fit-decreasing' }), queue: fcfs({ blocking: false }), requests: openTrace(trace, { space, dataRoot }) });
} else {
  throw new UsageError(`unknown case '${which}' (cases: hpc2n-first-fit, hpc2n-sjf-easy, hpc2n-sjf-conservative, synthetic-1m-bfd, quota-fleet, azure-llm-1m)`);
}
const m = computeMetrics(out.log, space.names);
const seconds = (performance.now() - t0) / 1000;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.error(`${which}: ${seconds.toFixed(2)} s, peak ${maxRssMiB.toFixed(0)} MiB, util cpu ${(m.utilization.cpu ?? 0).toFixed(3)}, mean bsld ${m.meanBoundedSlowdown?.toFixed(2) ?? '-'}, passes ${out.passes}`);
console.log(JSON.stringify({ seconds, maxRssMiB, requests: m.requests.total, completed: m.requests.completed }));

/**
 * `count` rows of TIMESTAMP,ContextTokens,GeneratedTokens as the 2024 trace writes them
 * ('2024-05-12 00:00:00.001163+00:00', no fraction when it is 0): exponential gaps at 45/s,
 * context tokens ⌊lognormal(6.8, 1)⌋, generated max(1, ⌊lognormal(3, 1.3)⌋). Written in blocks,
 * so the file never sits in memory (it would count in the peak this case measures).
 */
function writeAzureTrace(file: string, count: number, rng: Rng): void {
  const fd = openSync(file, 'w');
  let rows = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
  const t0 = Date.UTC(2024, 4, 12);
  let us = 0;
  for (let i = 0; i < count; i++) {
    us += Math.round(rng.exponential(45) * 1e6);
    const d = new Date(t0 + Math.floor(us / 1000));
    const frac = us % 1_000_000;
    const stamp = d.toISOString().slice(0, 19).replace('T', ' ') + (frac === 0 ? '' : `.${String(frac).padStart(6, '0')}`) + '+00:00';
    rows.push(`${stamp},${Math.floor(rng.lognormal(6.8, 1))},${Math.max(1, Math.floor(rng.lognormal(3, 1.3)))}`);
    if (rows.length === 10_000) {
      writeSync(fd, rows.join('\n') + '\n');
      rows = [];
    }
  }
  if (rows.length > 0) writeSync(fd, rows.join('\n') + '\n');
  closeSync(fd);
}
