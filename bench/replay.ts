import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Figure } from './common.js';

/**
 * End-to-end replays, each in a fresh child process so its wall time and peak memory (maxRSS)
 * are its own: the full HPC2N log with first-fit (FCFS, and SJF with EASY or conservative
 * backfilling, the reference protocol's queue), 1,000,000 synthetic requests on 10,000
 * nodes with best-fit-decreasing, and the agent fleet under tenant quotas (bench/quota-fleet.yaml,
 * four strategies), and 1,000,000 requests in the Azure LLM 2024 trace's format through drs run's
 * code path (azure-llm-1m: peak memory is its figure). The case itself lives in replay-case.ts.
 */
export async function replaySuite(cases = ['hpc2n-first-fit', 'hpc2n-sjf-easy', 'hpc2n-sjf-conservative', 'synthetic-1m-bfd', 'quota-fleet', 'azure-llm-1m']): Promise<Figure[]> {
  const figs: Figure[] = [];
  const dataRoot = path.resolve(process.env.DRS_DATA_DIR ?? '../shared/data');
  for (const c of cases) {
    if (c.startsWith('hpc2n') && !existsSync(path.join(dataRoot, 'swf/HPC2N-2002-2.2-cln.swf.gz'))) {
      console.error(`skipping ${c}: ${dataRoot}/swf/HPC2N-2002-2.2-cln.swf.gz not found (set DRS_DATA_DIR)`);
      continue;
    }
    console.error(`replay case ${c} ...`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'replay-case.ts'), c], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (res.status !== 0) throw new Error(`replay case ${c} failed:\n${res.stderr}`);
    const out = JSON.parse(res.stdout.trim().split('\n').pop() as string) as { seconds: number; maxRssMiB: number; requests: number; completed: number };
    const target = c.startsWith('hpc2n') ? { time: '< 10 s', mem: '' } : c === 'quota-fleet' ? { time: '', mem: '' } : c === 'azure-llm-1m' ? { time: '< 60 s', mem: '< 512 MiB' } : { time: '< 60 s', mem: '< 2,048 MiB' };
    figs.push({ suite: 'replay', name: `${c} (${out.requests.toLocaleString('en-US')} requests, ${out.completed.toLocaleString('en-US')} completed)`, value: out.seconds, unit: 's', ...(target.time ? { target: target.time } : {}) });
    figs.push({ suite: 'replay', name: `${c} peak memory`, value: out.maxRssMiB, unit: 'MiB', ...(target.mem ? { target: target.mem } : {}) });
  }
  return figs;
}
