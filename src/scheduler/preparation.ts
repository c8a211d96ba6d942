import type { Allocator } from '../algorithms/allocator.js';
import { UserError } from '../core/errors.js';

/**
 * H1: the strategy's asynchronous setup (`prepare`, e.g. loading the HiGHS WASM solver for `ilp`),
 * started when this is built; decisions wait for it. (The preemption wrapper delegates to the same
 * strategy, so preparing the strategy is enough.)
 */
export class StrategyPreparation {
  /** The strategy's prepare() has finished (or it has none). */
  private done = true;
  private error: UserError | undefined;
  private readonly preparing: Promise<void> | undefined;

  constructor(private readonly allocator: Allocator) {
    if (allocator.prepare !== undefined) {
      this.done = false;
      this.preparing = allocator.prepare().then(
        () => {
          this.done = true;
        },
        (e: unknown) => {
          this.error = new UserError(`strategy '${allocator.name}' cannot run: its setup failed (${e instanceof Error ? e.message : String(e)})`, { field: 'strategy' });
        },
      );
    }
  }

  /** The strategy's prepare() has finished (or it has none). */
  get prepared(): boolean {
    return this.done;
  }

  /** Resolves once the setup is done; rejects with a UserError naming the strategy if it failed. */
  async ready(): Promise<void> {
    await this.preparing;
    if (this.error !== undefined) throw this.error;
  }

  /** Throws the UserError that explains why no decision can be made yet (see `ready`). */
  assertPrepared(): void {
    if (this.done) return;
    throw (
      this.error ??
      new UserError(
        `strategy '${this.allocator.name}' is still loading (its prepare(), e.g. the HiGHS solver, has not finished): await scheduler.ready() before the first allocate, or build the scheduler with await ResourceScheduler.create(options)`,
        { field: 'strategy' },
      )
    );
  }
}
