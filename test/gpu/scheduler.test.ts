import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/** ResourceScheduler (the production embedding) on GPU devices. */
function scheduler(strategy: 'fgd' | 'best-fit-decreasing'): ResourceScheduler {
  return new ResourceScheduler({
    clock: () => 0,
    timers: false,
    strategy,
    queue: { policy: 'fcfs', options: { blocking: false } },
    pools: [{ name: 'a10', capacity: { cpu: 16, memory: 64 }, gpus: { count: 2, model: 'A10' }, nodes: 1 }],
  });
}

describe('ResourceScheduler with GPU devices', () => {
  for (const strategy of ['fgd', 'best-fit-decreasing'] as const) {
    it(`${strategy}: shares never span two GPUs though the scalar total would allow it`, () => {
      const s = scheduler(strategy);
      expect(s.allocate({ id: 'x', demand: { cpu: 1, gpu: 0.6 } }).status).toBe('allocated');
      expect(s.allocate({ id: 'y', demand: { cpu: 1, gpu: 0.6 } }).status).toBe('allocated');
      // 0.8 GPU is free in total, as 0.4 + 0.4: a 0.5 share cannot start
      expect(s.allocate({ id: 'z', demand: { cpu: 1, gpu: 0.5 } }).status).toBe('queued');
      s.release('x');
      expect(s.status('z').status).toBe('allocated');
      s.checkInvariants();
    });
  }

  it('a preemption that cannot place its request puts the target back on the GPU it ran on', () => {
    const s = scheduler('best-fit-decreasing');
    s.allocate({ id: 'A', demand: { cpu: 1, gpu: 0.5 } }); // GPU 0
    s.allocate({ id: 'B', demand: { cpu: 1, gpu: 0.5 } }); // GPU 0 (the tightest share)
    expect(s.allocate({ id: 'C', demand: { cpu: 1, gpu: 0.5 }, priority: 'low', preemptible: true })).toMatchObject({ allocation: { devices: [1] } });
    s.release('A'); // 0.5 free on each GPU
    // 15 cpu free once C is evicted: 'big' cannot start, so C is put back, on GPU 1 where it runs
    // (before: the default choice, GPU 0, while the caller was told GPU 1).
    expect(s.preempt('C', { id: 'big', demand: { cpu: 15.5 }, priority: 'high' })).toMatchObject({ status: 'rejected', rejection: { code: 'wait' } });
    expect(s.getAllocation('C')?.devices).toEqual([1]);
    expect(s.allocate({ id: 'D', demand: { cpu: 1, gpu: 0.5 } })).toMatchObject({ allocation: { devices: [0] } });
    s.checkInvariants();
  });

  it('GPU models restrict the nodes; an unknown model never fits', () => {
    const s = scheduler('fgd');
    expect(s.allocate({ id: 'ok', demand: { gpu: 1 }, gpuModels: ['A10', 'T4'] }).status).toBe('allocated');
    expect(s.allocate({ id: 'no', demand: { gpu: 1 }, gpuModels: ['H100'] }).status).toBe('rejected');
  });

  it("a pool's gpus.model is its gpuModel label, as in scenarios; a label naming another model is refused", () => {
    const s = scheduler('fgd');
    expect(s.allocate({ id: 'by-label', demand: { gpu: 1 }, labels: { gpuModel: 'A10' } }).status).toBe('allocated');
    expect(() => s.addPool({ name: 'bad', capacity: { cpu: 1 }, gpus: { count: 2, model: 'T4' }, labels: { gpuModel: 'L4' }, nodes: 1 })).toThrow(/contradicts gpus.model 'T4'/);
  });

  it('a pool whose capacity.gpu contradicts its devices is refused, naming the field', () => {
    const s = scheduler('fgd');
    expect(() => s.addPool({ name: 'bad', capacity: { cpu: 1, gpu: 4 }, gpus: { count: 2 }, nodes: 1 })).toThrow(UserError);
    expect(() => s.addPool({ name: 'bad', capacity: { cpu: 1, gpu: 4 }, gpus: { count: 2 }, nodes: 1 })).toThrow(/gpus.count/);
  });
});
