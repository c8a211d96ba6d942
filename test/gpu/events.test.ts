import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EventsWriter } from '../../src/report/events.js';
import { replay } from '../../src/sim/replay.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-gpu-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool: PoolSpec = { name: 'g', capacity: [16, 64, 4], gpus: { count: 4, model: 'T4' }, nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (id: string, gpu: number): Request => ({ id, tenant: 't', arrival: 0, demand: [1, 1, gpu], duration: 10, priority: 'medium' });

describe('events file on GPU device nodes', () => {
  it('a start names the devices it took, so the device state (and FGD fragmentation) can be rebuilt from the file', async () => {
    const out = await replay({ space, pools: [pool], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs({ blocking: false }), requests: [req('s1', 0.5), req('s2', 0.3), req('w2', 2), req('c', 0)] });
    const jsonl = path.join(dir, 'e.jsonl');
    const w = new EventsWriter(jsonl, 'jsonl');
    w.add('ff', out.log);
    w.close();
    const starts = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; request: string; devices?: number[] }).filter((r) => r.event === 'start');
    // the tightest device that holds a share (s2 joins s1 on device 0), the lowest idle devices for whole GPUs
    expect(Object.fromEntries(starts.map((r) => [r.request, r.devices]))).toEqual({ s1: [0], s2: [0], w2: [1, 2], c: undefined });
    const csvFile = path.join(dir, 'e.csv');
    const c = new EventsWriter(csvFile, 'csv');
    c.add('ff', out.log);
    c.close();
    expect(readFileSync(csvFile, 'utf8')).toContain('ff,0,start,w2,t,medium,g,0,,1;2\n');
  });
});
