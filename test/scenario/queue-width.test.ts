import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { buildScenario } from '../../src/scenario/build.js';
import { parseScenario } from '../../src/scenario/load.js';

/*
 * A queue's `widthDimension` (the job width n of F1, WFP3, UNICEP) names one of the scenario's
 * dimensions, by name or index: one it lacks read every width as 0 without a word.
 */

const scenario = (queue: string): string => `name: queue-width
dimensions: [cpu, gpu]
pools:
  - { name: m, capacity: { cpu: 64, gpu: 8 }, nodes: 1, pricePerHour: 1 }
trace:
  kind: synthetic
  count: 2
  arrival: { rate: 1 }
  profiles:
    - { name: p, weight: 1, demand: { cpu: 1 }, duration: { dist: exponential, mean: 60 } }
queue: ${queue}
strategies: [first-fit]
`;

const waiting = (id: string, cpu: number, gpu: number): QueuedRequest => ({
  request: { id, tenant: 't', arrival: 10, demand: [cpu, gpu], duration: 100, priority: 'medium' },
  enqueuedAt: 10,
  seq: id === 'x' ? 0 : 1,
  attempts: 0,
});

describe('queue widthDimension in a scenario', () => {
  it('a name is the dimension it names: gpu orders as index 1 does, not as cpu', async () => {
    // x: 1 cpu, 8 gpus; y: 16 cpus, 1 gpu. F1 = log10(r)·n + 870·log10(s): the narrower goes first.
    const x = waiting('x', 1, 8);
    const y = waiting('y', 16, 1);
    const order = async (queue: string): Promise<string[]> => {
      const built = await buildScenario(parseScenario(scenario(queue), 'w.yaml'), { file: 'w.yaml', dataRoot: '.' });
      return (built.strategies[0]?.queue().order([x, y], 20) ?? []).map((q) => q.request.id);
    };
    expect(await order('{ name: f1, options: { widthDimension: gpu } }')).toEqual(['y', 'x']);
    expect(await order('{ name: f1, options: { widthDimension: 1 } }')).toEqual(['y', 'x']);
    expect(await order('{ name: f1, options: { widthDimension: cpu } }')).toEqual(['x', 'y']);
    expect(await order('f1')).toEqual(['x', 'y']);
  });

  it('a dimension the scenario lacks is refused with its line and field', () => {
    const text = scenario('\n  name: wfp3\n  options:\n    widthDimension: 2');
    let e: unknown;
    try {
      parseScenario(text, 'w.yaml');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toBe(`w.yaml:${text.split('\n').findIndex((l) => l.includes('widthDimension')) + 1}, field 'queue.options.widthDimension': there is no dimension 2: expected an index 0-1 or a name of the dimensions (0 = cpu, 1 = gpu)`);
  });
});

describe('queue widthDimension under protocol rlscheduler', () => {
  const text = (options: string): string => `name: protocol-width
dimensions: [cpu]
pools:
  - { name: machine, capacity: { cpu: 256 }, nodes: 1, pricePerHour: 1 }
trace: { kind: swf, file: swf/lublin_256.swf.gz }
protocol: { kind: rlscheduler }
queue: { name: f1, options: ${options} }
strategies: [first-fit]
`;
  it('tolerates the one dimension cpu by index or name, and refuses another width', () => {
    expect(parseScenario(text('{ widthDimension: 0 }'), 'p.yaml').queue.options).toEqual({ widthDimension: 0 });
    expect(parseScenario(text('{ widthDimension: cpu }'), 'p.yaml').queue.options).toEqual({ widthDimension: 'cpu' });
    expect(() => parseScenario(text('{ widthDimension: memory }'), 'p.yaml')).toThrow(/field 'queue.options.widthDimension': protocol rlscheduler's queue is blocking, on the one dimension cpu/);
  });
});
