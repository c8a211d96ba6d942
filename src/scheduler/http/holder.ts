import type { ResourceScheduler } from '../scheduler.js';
import { HttpError } from './errors.js';

export type Role = 'single' | 'leader' | 'standby' | 'deposed';

/**
 * The scheduler behind the HTTP app, which a replica only has while it leads. A standby (or a
 * deposed leader) answers every /v1 call with 503 `not-leader` and the leader's address (body
 * field `leader`, header `x-drs-leader`), so clients can retry there.
 */
export class SchedulerHolder {
  private current: ResourceScheduler | undefined;
  private roleNow: Role;
  /** The leader's advertised URL as last read from the store (standby), or our own (leader). */
  leaderUrl: string | null = null;
  private readonly waiters: ((s: ResourceScheduler) => void)[] = [];

  constructor(scheduler?: ResourceScheduler) {
    this.current = scheduler;
    this.roleNow = scheduler === undefined ? 'standby' : 'single';
  }

  get role(): Role {
    return this.roleNow;
  }

  /** The scheduler, or undefined when not leading. */
  get maybe(): ResourceScheduler | undefined {
    return this.current;
  }

  /** The scheduler; throws 503 `not-leader` on a standby. */
  get(): ResourceScheduler {
    if (this.current !== undefined) return this.current;
    const leader = this.leaderUrl;
    throw new HttpError(
      503,
      'not-leader',
      this.roleNow === 'deposed'
        ? 'this replica lost the lead; retry on the leader'
        : `this replica is a standby; ${leader !== null ? `the leader is ${leader}` : 'no leader is known yet'} (retry there)`,
      undefined,
      { 'retry-after': '1', ...(leader !== null ? { 'x-drs-leader': leader } : {}) },
      { leader },
    );
  }

  /** Become the leader with this scheduler. */
  promote(s: ResourceScheduler, ownUrl: string): void {
    this.current = s;
    this.roleNow = 'leader';
    this.leaderUrl = ownUrl;
    for (const w of this.waiters.splice(0)) w(s);
  }

  /** Stop serving (the lead was lost): every call answers 503 from now on. */
  depose(): ResourceScheduler | undefined {
    const s = this.current;
    this.current = undefined;
    this.roleNow = 'deposed';
    this.leaderUrl = null;
    return s;
  }

  /** Resolves with the scheduler once this replica leads (at once if it does). */
  whenReady(): Promise<ResourceScheduler> {
    if (this.current !== undefined) return Promise.resolve(this.current);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
