import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs } from './helpers.js';

/**
 * `drs train` on an allocator config evaluates the model it wrote on the config's evaluation
 * seeds against the classical strategies, and each figure is the one `drs run` gives for that
 * strategy and seed (the same path a user runs), with the summary computed from them.
 */

const SCENARIO = [
  'name: s',
  'horizon: 2m',
  'pools:',
  '  - { name: big, capacity: { cpu: 16, memory: 64Gi }, nodes: 1, pricePerHour: 4, latencyMs: 10 }',
  '  - { name: small, capacity: { cpu: 4, memory: 16Gi }, nodes: 2, pricePerHour: 1, latencyMs: 10 }',
  'trace:',
  '  kind: synthetic',
  '  horizon: 2m',
  '  arrival: { rate: 1.5 }',
  '  priorities:',
  '    - { priority: high, weight: 0.5, sloWait: 2 }',
  '    - { priority: low, weight: 0.5, sloWait: 20, preemptibleShare: 1 }',
  '  profiles:',
  '    - { name: a, weight: 1, demand: { cpu: 2, memory: 4Gi }, duration: { dist: lognormal, mu: 2.5, sigma: 0.6 } }',
  '    - { name: b, weight: 1, demand: { cpu: 6, memory: 8Gi }, duration: { dist: lognormal, mu: 2, sigma: 0.5 } }',
  'queue: priority',
  // The evaluation runs every strategy under the first strategy's queue (priority), not fcfs.
  'strategies: [first-fit, { name: first-fit, label: ff/fcfs, queue: fcfs }]',
].join('\n') + '\n';

const CONFIG = [
  'kind: allocator',
  'name: tiny-fleet',
  'scenario: s.yaml',
  'reward: { sla: 1, cost: 1 }',
  'train: { seeds: [100, 102] }',
  'validation: { seeds: [500] }',
  'evaluation: { seeds: [3, 4, 5] }',
  'network: { hidden: [4] }',
  'ppo: { iterations: 1, windowsPerIteration: 1, samplesPerWindow: 2 }',
].join('\n') + '\n';

interface Ci { mean: number; lo: number | null; hi: number | null; p?: number | null; significant?: boolean }
interface Evaluation {
  scenario: string;
  seeds: number[];
  summary: { strategy: string; sla: Ci | null; cost: Ci; slaMinusLearned?: Ci; costMinusLearned?: Ci }[];
  perSeed: { sla: Record<string, number[]>; cost: Record<string, number[]> };
}

describe('drs train: an allocator model with its evaluation', () => {
  it('writes the evaluation on the evaluation seeds, figure for figure what drs run gives', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-alloc-'));
    writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    const cfg = path.join(dir, 'c.yaml');
    writeFileSync(cfg, CONFIG);
    const out = path.join(dir, 'm.json');
    const r = await drs(['train', cfg, '--out', out], {}, dir);
    expect(r.err).toContain('evaluating it on 3 evaluation seeds');
    expect(r.code).toBe(0);
    const e = (JSON.parse(readFileSync(out, 'utf8')) as { evaluation: Evaluation }).evaluation;
    expect(e.scenario).toBe('s.yaml');
    expect(e.seeds).toEqual([3, 4, 5]);
    const labels = ['learned:tiny-fleet', 'first-fit', 'first-fit+preempt', 'best-fit-decreasing', 'best-fit-decreasing+preempt', 'worst-fit', 'worst-fit+preempt', 'round-robin', 'round-robin+preempt'];
    expect(e.summary.map((s) => s.strategy)).toEqual(labels);
    expect(r.out.split('\n')[0]).toBe('s.yaml, seeds 3, 4, 5: SLA attainment % [95 % interval] and cost; learned − this paired by seed (* = paired t-test p < 0.05; pairs = seeds both strategies completed)');
    // Each paired difference says over how many seeds it is (test/sweep/versus-table.test.ts).
    expect(r.out.split('\n').filter((l) => l.includes('learned − this, pairs 3: '))).toHaveLength(labels.length - 1);
    expect(r.out.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(' ')[0])).toEqual(labels);
    // The same figures on the user's path: drs run, one seed at a time, with the model by file.
    const run = (seed: number) => drs(['run', path.join(dir, 's.yaml'), '--seed', String(seed), '--json', path.join(dir, `r${seed}.json`)], {}, dir);
    writeFileSync(path.join(dir, 's.yaml'), SCENARIO.replace('strategies: [first-fit, { name: first-fit, label: ff/fcfs, queue: fcfs }]', `strategies: [learned:${out}, first-fit, { name: round-robin, preemption: true }]`));
    for (const [k, seed] of e.seeds.entries()) {
      const rr = await run(seed);
      expect(rr.code, rr.err).toBe(0);
      const res = (JSON.parse(readFileSync(path.join(dir, `r${seed}.json`), 'utf8')) as { results: { strategy: string; metrics: { sla: { overall: { attainment: number } }; cost: { total: number } } }[] }).results;
      const [learned, ff, rrp] = res;
      expect(e.perSeed.sla['learned:tiny-fleet']?.[k]).toBe(learned?.metrics.sla.overall.attainment);
      expect(e.perSeed.cost['learned:tiny-fleet']?.[k]).toBe(learned?.metrics.cost.total);
      expect(e.perSeed.sla['first-fit']?.[k]).toBe(ff?.metrics.sla.overall.attainment);
      expect(e.perSeed.sla['round-robin+preempt']?.[k]).toBe(rrp?.metrics.sla.overall.attainment);
    }
    // The summary from the per-seed figures, by hand: means and the paired difference.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const L = e.perSeed.sla['learned:tiny-fleet'] as number[];
    for (const s of e.summary) {
      const mine = e.perSeed.sla[s.strategy] as number[];
      expect(s.sla?.mean).toBeCloseTo(mean(mine), 12);
      expect(s.cost.mean).toBeCloseTo(mean(e.perSeed.cost[s.strategy] as number[]), 9);
      if (s.strategy === 'learned:tiny-fleet') expect(s.slaMinusLearned).toBeUndefined();
      else expect(s.slaMinusLearned?.mean).toBeCloseTo(mean(L.map((x, i) => x - (mine[i] as number))), 12);
    }
  }, 120_000);

  it('--no-eval writes the model without an evaluation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-alloc-'));
    writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    const cfg = path.join(dir, 'c.yaml');
    writeFileSync(cfg, CONFIG);
    const out = path.join(dir, 'm.json');
    const r = await drs(['train', cfg, '--out', out, '--no-eval'], {}, dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('evaluating');
    const model = JSON.parse(readFileSync(out, 'utf8')) as { training: { tfBackend?: string } };
    expect(model).not.toHaveProperty('evaluation');
    // The weights depend on the TF.js backend's float rounding: the record names the one that trained them.
    const backend = /TF\.js backend (\w+)/.exec(r.err)?.[1];
    expect(backend).toMatch(/^(wasm|cpu|node)$/);
    expect(model.training.tfBackend).toBe(backend);
  }, 60_000);

  it('--no-timings: the same config and seed write the same model bytes twice (PPO, on one backend)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-alloc-nt-'));
    writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    const cfg = path.join(dir, 'c.yaml');
    writeFileSync(cfg, CONFIG);
    const train = async (name: string): Promise<string> => {
      const r = await drs(['train', cfg, '--out', path.join(dir, name), '--no-eval', '--no-timings'], {}, dir);
      expect(r.code, r.err).toBe(0);
      return readFileSync(path.join(dir, name), 'utf8');
    };
    const a = await train('a.json');
    expect(await train('b.json')).toBe(a);
    expect(a).not.toMatch(/"(seconds|cpuSeconds)"/);
  }, 60_000);
});
