import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Allocator } from '../../src/algorithms/allocator.js';
import { FirstFit } from '../../src/algorithms/first-fit.js';
import { ResourceScheduler as Compat } from '../../src/compat/index.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { SqliteStore } from '../../src/scheduler/sqlite-store.js';

/** A strategy whose asynchronous setup fails the first `failures` times (e.g. a solver download). */
function flaky(failures: number): Allocator {
  const ff = new FirstFit();
  let left = failures;
  return {
    name: 'flaky',
    prepare: async () => {
      if (left-- > 0) throw new Error('solver download failed');
    },
    allocate: (requests, view, ctx) => ff.allocate(requests, view, ctx),
  };
}

describe('create() whose strategy setup fails releases what it opened', () => {
  it('closes the store, so the same state file can be opened again in this process', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-create-failure-'));
    try {
      const file = path.join(dir, 'state.db');
      const strategy = flaky(1);
      const pools = [{ name: 'w', capacity: { cpu: 8 }, nodes: 1 }];
      await expect(ResourceScheduler.create({ strategy, store: new SqliteStore(file), pools })).rejects.toThrow(/its setup failed \(solver download failed\)/);
      const s = await ResourceScheduler.create({ strategy, store: new SqliteStore(file), pools });
      expect(s.listPools().map((p) => p.name)).toEqual(['w']);
      s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same for the compat scheduler', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-create-failure-'));
    try {
      const file = path.join(dir, 'pools.db');
      const strategy = flaky(1);
      await expect(Compat.create({ strategy, store: new SqliteStore(file) })).rejects.toThrow(/its setup failed/);
      const s = await Compat.create({ strategy, store: new SqliteStore(file) });
      expect(s.listPools()).toEqual([]);
      s.engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
