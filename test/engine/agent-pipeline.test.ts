import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/scenario/build.js';
import { loadScenario } from '../../src/scenario/load.js';
import { compareStrategies } from '../../src/sim/compare.js';
import { EV, type EventLog } from '../../src/sim/log.js';

/** scenarios/agent-pipeline.yaml under drs run's code path: the DAG holds, and quotas change the outcome. */
describe('scenarios/agent-pipeline.yaml', () => {
  it('every stage starts only after all its dependencies completed; quotas reclaim GPUs for the summariser', async () => {
    const file = path.resolve(import.meta.dirname, '../../scenarios/agent-pipeline.yaml');
    const input = await buildScenario(await loadScenario(file), { file, dataRoot: path.resolve(import.meta.dirname, '../../../shared/data') });
    const logs = new Map<string, EventLog>();
    const res = await compareStrategies({ ...input, onLog: (_i, label, log) => void logs.set(label, log) });
    expect(res.results.every((r) => r.state === 'completed')).toBe(true);
    let checked = 0;
    for (const log of logs.values()) {
      const completedAt = new Map<string, number>();
      const startedAt = new Map<string, number>();
      for (let i = 0; i < log.length; i++) {
        const r = log.requests[log.ref(i)];
        if (r === undefined) continue;
        if (log.kind(i) === EV.complete) completedAt.set(r.id, log.time(i));
        if (log.kind(i) === EV.start && !startedAt.has(r.id)) startedAt.set(r.id, log.time(i));
      }
      for (const r of log.requests) {
        const s = startedAt.get(r.id);
        if (s === undefined || r.dependsOn === undefined) continue;
        for (const d of r.dependsOn) {
          const c = completedAt.get(d);
          expect(c, `${r.id} started at ${s} before ${d} completed`).toBeDefined();
          expect(c as number).toBeLessThanOrEqual(s);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    const preempt = (label: string): number => {
      const r = res.results.find((x) => x.strategy === label);
      return r?.state === 'completed' ? r.metrics.requests.preemptions : -1;
    };
    // With quotas the summariser (guaranteed one GPU) reclaims GPUs lent to the retriever; without, never.
    expect(preempt('best-fit-decreasing')).toBeGreaterThan(0);
    expect(preempt('bfd/no-quotas')).toBe(0);
    // Head-of-line blocking (FCFS) holds later stages behind a head that does not fit: longer
    // waits and more work unfinished at the horizon than the non-blocking priority queue.
    const metrics = (label: string) => {
      const r = res.results.find((x) => x.strategy === label);
      if (r?.state !== 'completed') throw new Error(`${label} did not complete`);
      return r.metrics;
    };
    const open = metrics('best-fit-decreasing');
    const blocking = metrics('bfd/fcfs-blocking');
    expect(blocking.requests.unfinished).toBeGreaterThan(open.requests.unfinished);
    expect(blocking.wait.mean as number).toBeGreaterThan(2 * (open.wait.mean as number));
  }, 60_000);
});
