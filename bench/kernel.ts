import { Bench } from 'tinybench';
import { Rng } from '../src/core/rng.js';
import { Kernel } from '../src/sim/kernel.js';
import { benchFigures, type Figure } from './common.js';

/**
 * DES kernel throughput in the classic "hold" model: the queue holds N pending events; one event
 * = pop the earliest and schedule a new one at now + Exp(1). Reported as events per second.
 */
export async function kernelSuite(): Promise<Figure[]> {
  const BATCH = 10_000;
  const bench = new Bench({ time: 1500, warmupTime: 300 });
  for (const pending of [1_000, 100_000]) {
    const k = new Kernel<number>();
    const rng = new Rng(`kernel-${pending}`);
    const delays = Float64Array.from({ length: 1 << 16 }, () => rng.exponential(1));
    for (let i = 0; i < pending; i++) k.schedule(delays[i & 0xffff] as number, i);
    let j = 0;
    bench.add(`hold, ${pending.toLocaleString('en-US')} pending`, () => {
      for (let i = 0; i < BATCH; i++) {
        const e = k.step() as number;
        k.schedule(k.now + (delays[j++ & 0xffff] as number), e);
      }
    });
  }
  await bench.run();
  return benchFigures('kernel', bench, {
    'hold, 1,000 pending': { items: BATCH, unit: 'events/s' },
    'hold, 100,000 pending': { items: BATCH, unit: 'events/s', target: '≥ 3,000,000' },
  });
}
