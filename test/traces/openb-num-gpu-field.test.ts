import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * A fractional num_gpu with a partial gpu_milli (1.5 GPUs of 500 milli) was blamed on gpu_milli
 * ("1.5 GPUs with 500 milli each: a pod takes a share of ONE GPU or whole GPUs"): the bad cell is
 * num_gpu, which is a count of devices.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const HEADER = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';

describe('openb pods: num_gpu', () => {
  it('a fraction is an error at num_gpu, whatever gpu_milli holds', async () => {
    for (const milli of ['500', '1000']) {
      const f = fixture(`num-gpu-${milli}.csv`, `${HEADER}\np0,1000,1024,1.5,${milli},,LS,Running,0,100,0\n`);
      const e = await rejection(collect(readAlibabaPodRequests(f, { space })));
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toBe(`${f}:2, field 'num_gpu': 1.5 is not a whole number of GPUs`);
    }
  });

  it('a share of several whole GPUs is still blamed on gpu_milli', async () => {
    const f = fixture('num-gpu-2.csv', `${HEADER}\np0,1000,1024,2,500,,LS,Running,0,100,0\n`);
    expect((await rejection(collect(readAlibabaPodRequests(f, { space })))).message).toBe(`${f}:2, field 'gpu_milli': 2 GPUs with 500 milli each: a pod takes a share of ONE GPU or whole GPUs`);
  });
});
