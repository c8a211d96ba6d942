import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { runCommand } from '../../src/cli/run.js';
import { UserError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EventsWriter, eventsFormatOf } from '../../src/report/events.js';
import { replay } from '../../src/sim/replay.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const space = new ResourceSpace(['cpu']);
const pool: PoolSpec = { name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (id: string, arrival: number, cpu: number, duration: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't,1', arrival, demand: [cpu], duration, priority: 'medium', ...extra });

describe('events file (drs run --events)', () => {
  it('writes every request life: arrive, start with node, complete, reject with its code, expire', async () => {
    // a: 0-10 on the node; b: waits for a, runs 10-15; c: never fits (8 cpu) → rejected never-fits;
    // d: 1 cpu, lease 2 s on a 5 s job: fits beside a at 1, its lease ends at 3 → expire.
    const out = await replay({
      space,
      pools: [pool],
      seed: 1,
      allocator: createAllocator({ name: 'first-fit' }),
      queue: fcfs({ blocking: false }),
      requests: [req('a', 0, 3, 10), req('b', 0.5, 2, 5), req('c', 0.7, 8, 1), req('d', 1, 1, 5, { lease: 2 })],
    });
    const file = path.join(dir, 'e.jsonl');
    expect(eventsFormatOf(file)).toBe('jsonl');
    const w = new EventsWriter(file, 'jsonl');
    w.add('first-fit', out.log);
    w.close();
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const life = (id: string): string[] => rows.filter((r) => r.request === id).map((r) => `${r.event}@${r.time}${r.node !== undefined ? `/${r.pool}#${r.node}` : ''}${r.code !== undefined ? `:${r.code}` : ''}`);
    expect(life('a')).toEqual(['arrive@0', 'start@0/p#0', 'complete@10/p#0']);
    expect(life('b')).toEqual(['arrive@0.5', 'start@10/p#0', 'complete@15/p#0']);
    expect(life('c')).toEqual(['arrive@0.7', 'reject@0.7:never-fits']);
    expect(life('d')).toEqual(['arrive@1', 'start@1/p#0', 'expire@3/p#0']);
    expect(rows[0]).toMatchObject({ strategy: 'first-fit', tenant: 't,1', priority: 'medium' });

    const csvFile = path.join(dir, 'e.csv');
    const c = new EventsWriter(csvFile, 'csv');
    c.add('first-fit', out.log);
    c.close();
    const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('strategy,time,event,request,tenant,priority,pool,node,code,devices');
    expect(lines).toContain('first-fit,0.7,reject,c,"t,1",medium,,,never-fits,');
    expect(lines).toContain('first-fit,10,start,b,"t,1",medium,p,0,,');
    expect(lines).toHaveLength(rows.length + 1);
    expect(eventsFormatOf('x.txt')).toBeUndefined();
  });

  it("names the node by its cluster-wide id: a second pool's first node is 1, not 0 (docs/engine.md)", async () => {
    const q: PoolSpec = { ...pool, name: 'q', capacity: [8] };
    const out = await replay({ space, pools: [pool, q], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs({ blocking: false }), requests: [req('big', 0, 6, 1)] });
    const file = path.join(dir, 'two-pools.csv');
    const w = new EventsWriter(file, 'csv');
    w.add('first-fit', out.log);
    w.close();
    expect(readFileSync(file, 'utf8').trim().split('\n').slice(1)).toEqual(['first-fit,0,arrive,big,"t,1",medium,,,,', 'first-fit,0,start,big,"t,1",medium,q,1,,', 'first-fit,1,complete,big,"t,1",medium,q,1,,']);
  });
});

describe('a bug while the rows are made is not a write error', () => {
  it('keeps its own error (not "cannot write --events file"), and the partial file is removed', async () => {
    const out = await replay({ space, pools: [pool], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs({ blocking: false }), requests: [req('a', 0, 1, 1)] });
    const file = path.join(dir, 'bug.csv');
    const w = new EventsWriter(file, 'csv');
    const broken = Object.create(out.log) as typeof out.log;
    broken.kind = () => {
      throw new TypeError('a bug in the log');
    };
    let thrown: unknown;
    try {
      w.add('first-fit', broken);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown).not.toBeInstanceOf(UserError);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});

describe('drs run --events', () => {
  const io = () => ({ out: () => undefined, err: () => undefined, interactive: false, cwd: dir, env: {} });
  const scenario = path.resolve(import.meta.dirname, '../../scenarios/agent-pipeline.yaml');

  it('writes the events of every strategy run, with the dependency structure visible', async () => {
    const file = path.join(dir, 'run.jsonl');
    expect(await runCommand.run([scenario, '--strategies', 'first-fit', '--events', file, '--quiet'], io())).toBe(0);
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { strategy: string; event: string; request: string; time: number });
    expect(new Set(rows.map((r) => r.strategy))).toEqual(new Set(['first-fit']));
    expect(rows.filter((r) => r.event === 'arrive').length).toBeGreaterThan(100);
    const starts = rows.filter((r) => r.event === 'start');
    expect(starts.length).toBeGreaterThan(100);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8').split('\n')[1] as string) as object)).toEqual(['strategy', 'time', 'event', 'request', 'tenant', 'priority', 'pool', 'node']);
  }, 60_000);

  it('the file name picks the format; anything else is a user error', async () => {
    const e = await runCommand.run([scenario, '--events', path.join(dir, 'x.txt')], io()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(/must end in \.csv or \.jsonl/);
  });
});
