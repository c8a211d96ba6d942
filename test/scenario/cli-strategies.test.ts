import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LearnedAllocator } from '../../src/algorithms/learned.js';
import { ConfigError } from '../../src/core/errors.js';
import { buildScenario } from '../../src/scenario/build.js';
import { withCliStrategies } from '../../src/scenario/cli-strategies.js';
import { parseScenario } from '../../src/scenario/load.js';
import { drs, tmpFile } from '../cli/helpers.js';

/**
 * `drs run --strategies`: an item that names no row of the scenario adds that strategy
 * (ALLOCATOR[+preempt][/QUEUE]), with the scenario's queue, scaling and quotas; an item that is
 * neither is refused, naming the rows and what an added strategy looks like.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-cli-strategies-'));
copyFileSync(path.resolve(import.meta.dirname, '../../models/allocator/agent-fleet.json'), path.join(dir, 'mine.json'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'scenario.yaml');
const text = `name: cli
seed: 3
pools:
  - { name: a, capacity: { cpu: 4, memory: 16Gi }, nodes: 2, pricePerHour: 1 }
trace:
  kind: synthetic
  count: 200
  arrival: { rate: 1 }
  profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 1Gi } }]
queue: priority
strategies: [first-fit, { name: best-fit-decreasing, preemption: true }]
`;
const sc = parseScenario(text, file);
const labels = async (only: string[], cwd = dir) => (await buildScenario(sc, { file, dataRoot: dir, only, cwd })).strategies.map((s) => s.label);

describe('drs run --strategies adds strategies the scenario does not list', () => {
  it('selects rows as before when every item names one, and adds nothing', async () => {
    expect(await labels(['best-fit-decreasing'])).toEqual(['best-fit-decreasing+preempt']);
    expect(withCliStrategies(sc, ['first-fit', 'best-fit-decreasing+preempt'], { file, cwd: dir }).scenario).toBe(sc);
  });

  it('adds ALLOCATOR, ALLOCATOR+preempt and ALLOCATOR/QUEUE after the rows it selects, in the order given', async () => {
    expect(await labels(['worst-fit/sjf', 'first-fit', 'round-robin+preempt', 'worst-fit/sjf'])).toEqual(['first-fit', 'worst-fit/sjf', 'round-robin+preempt']);
    const built = await buildScenario(sc, { file, dataRoot: dir, only: ['round-robin+preempt', 'worst-fit/sjf', 'worst-fit'], cwd: dir });
    const [rrp, wfs, wf] = withCliStrategies(sc, ['round-robin+preempt', 'worst-fit/sjf', 'worst-fit'], { file, cwd: dir }).scenario.strategies.slice(2);
    expect(rrp).toMatchObject({ name: 'round-robin', preemption: true });
    expect(rrp).not.toHaveProperty('queue');
    expect(wfs).toMatchObject({ name: 'worst-fit', queue: { name: 'sjf' } });
    expect(wf).toEqual({ name: 'worst-fit' });
    // The added row runs the scenario's queue (priority) unless it names one (sjf).
    expect(built.strategies.map((s) => [s.label, s.queue().name])).toEqual([
      ['round-robin+preempt', 'priority'],
      ['worst-fit/sjf', 'sjf'],
      ['worst-fit', 'priority'],
    ]);
  });

  it('reads a learned model file relative to the working directory, labelled by its file name, with +preempt kept', async () => {
    expect(await labels(['learned:mine.json', 'learned:mine.json+preempt'])).toEqual(['learned:mine', 'learned:mine+preempt']);
    const built = await buildScenario(sc, { file, dataRoot: dir, only: ['learned:mine.json'], cwd: dir });
    expect(built.strategies[0]?.allocator()).toBeInstanceOf(LearnedAllocator);
    expect(await labels([`learned:${path.basename(dir)}/mine.json+preempt/sjf`], tmpdir())).toEqual(['learned:mine+preempt/sjf']);
    await expect(labels(['learned:mine.json'], tmpdir())).rejects.toThrow(`--strategies: cannot read model file ${path.join(tmpdir(), 'mine.json')}`);
  });

  it('refuses an item that is neither a row nor a strategy, naming the rows and the form', async () => {
    const refusal = async (item: string): Promise<ConfigError> => {
      try {
        await labels([item]);
      } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
      }
      throw new Error(`expected ${item} to be refused`);
    };
    const typo = await refusal('worst-fitt');
    expect(typo.location.file).toBe(file);
    expect(typo.message).toContain("--strategies 'worst-fitt' is not a row of the scenario (it has: first-fit, best-fit-decreasing+preempt) and not a strategy to add: unknown strategy 'worst-fitt' (known: first-fit,");
    expect(typo.message).toContain('write ALLOCATOR[+preempt][/QUEUE], e.g. worst-fit+preempt or first-fit/sjf');
    expect((await refusal('first-fit/sjff')).message).toContain("unknown queue policy 'sjff'");
    expect((await refusal('first-fit+preempt+x')).message).toContain("'first-fit+preempt+x' is not a row of the scenario (it has: first-fit, best-fit-decreasing+preempt) and not a strategy to add: it has not that form");
  });

  it('from the command line: the added row is in the table, a bad item exits 2 with one line', async () => {
    const scen = tmpFile('cli-strategies.yaml', text);
    const ok = await drs(['run', scen, '--quiet', '--strategies', 'first-fit,worst-fit+preempt']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^first-fit\s+200\s+0/m);
    expect(ok.out).toMatch(/^worst-fit\+preempt\s+200\s+0/m);
    expect(ok.out).not.toMatch(/^best-fit-decreasing/m);
    const bad = await drs(['run', scen, '--quiet', '--strategies', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toContain("--strategies 'nope' is not a row of the scenario");
  });
});
