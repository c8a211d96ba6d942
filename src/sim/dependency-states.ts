import type { Request } from '../core/model.js';
import type { RequestStore } from './request-store.js';
import type { DependencyState } from '../engine/dependencies.js';

/**
 * What became of every request of a replay, by log index (one byte each), for the engine's
 * dependency rule. The id → index map is built only once some request names a dependency, so a
 * million-request trace without `dependsOn` pays one byte per request and no map.
 */
export class DependencyStates {
  private states = new Uint8Array(1024);
  private readonly how = new Map<number, string>();
  private index: Map<string, number> | undefined;

  constructor(private readonly requests: RequestStore) {}

  /** Request `idx` (just added to the log) arrived. */
  arrive(idx: number, r: Request): void {
    if (idx >= this.states.length) {
      const grown = new Uint8Array(Math.max(this.states.length * 2, idx + 1));
      grown.set(this.states);
      this.states = grown;
    }
    if (this.index === undefined && r.dependsOn !== undefined && r.dependsOn.length > 0) {
      this.index = new Map();
      for (let i = 0; i < this.requests.length; i++) this.index.set(this.requests.id(i), i);
    } else this.index?.set(r.id, idx);
  }

  completed(idx: number): void {
    this.states[idx] = 1;
  }

  failed(idx: number, how: string): void {
    this.states[idx] = 2;
    this.how.set(idx, how);
  }

  /** The engine's lookup: state of the request with this id, undefined if none arrived. */
  lookup(id: string): { state: DependencyState; how?: string } | undefined {
    const idx = this.index?.get(id);
    if (idx === undefined) return undefined;
    const s = this.states[idx];
    if (s === 1) return { state: 'completed' };
    if (s === 2) return { state: 'failed', how: this.how.get(idx) ?? 'failed' };
    return { state: 'pending' };
  }
}
