import { describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import type { StateChange } from '../../src/scheduler/store.js';

/** A store whose commits start failing on demand (a cut database connection, a full disk). */
class FailingStore extends MemoryStore {
  failing = false;
  override commit(changes: readonly StateChange[]): void {
    if (this.failing) throw new Error('disk full');
    super.commit(changes);
  }
}

describe('ResourceScheduler.onFailure', () => {
  it.each(['per-operation', 'group'] as const)('reports the first failure once, after the operation, when a commit fails (durability %s)', async (durability) => {
    const store = new FailingStore();
    const s = new ResourceScheduler({ store, durability, timers: false, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] });
    await s.durable();
    const seen: unknown[] = [];
    s.onFailure((e) => seen.push(e));
    const off = s.onFailure(() => seen.push('unsubscribed'));
    off();
    expect(s.allocate({ id: 'a', units: 1 }).status).toBe('allocated');
    await s.durable();
    expect(seen).toEqual([]);
    store.failing = true;
    if (durability === 'per-operation') {
      expect(() => s.allocate({ id: 'b', units: 1 })).toThrow(/disk full/);
      expect(seen).toEqual([]); // not inside the failing operation: on a later turn
    } else {
      s.allocate({ id: 'b', units: 1 });
      await expect(s.durable()).rejects.toThrow(/disk full/);
    }
    await new Promise((r) => setTimeout(r, 0));
    expect(s.healthy).toBe(false);
    expect(seen.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(() => s.allocate({ id: 'c', units: 1 })).toThrow(/stopped after an internal error/);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toHaveLength(1); // once
  });
});
