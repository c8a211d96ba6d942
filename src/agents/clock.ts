/**
 * Time for the agent scheduler: every timer and timestamp goes through an `AgentClock`, so tests
 * and the simulation workload run a fleet on virtual time.
 */
export interface AgentClock {
  now(): number;
  /** Call `fn` after `ms` (≥ 0); returns a handle for `clear`. */
  setTimer(ms: number, fn: () => void): unknown;
  clear(handle: unknown): void;
}

/** setTimeout's longest delay (2³¹−1 ms, 24.8 days); a longer one would fire at once. */
const MAX_DELAY = 2 ** 31 - 1;

/** The wall clock (Date.now, setTimeout; delays beyond 24.8 days, e.g. a yearly cron, are chained). */
export const systemClock: AgentClock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const h: { t?: ReturnType<typeof setTimeout> } = {};
    const arm = (left: number): void => {
      h.t = setTimeout(() => (left > MAX_DELAY ? arm(left - MAX_DELAY) : fn()), Math.min(left, MAX_DELAY));
    };
    arm(Math.max(0, ms));
    return h;
  },
  clear: (h) => clearTimeout((h as { t?: ReturnType<typeof setTimeout> }).t),
};

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time. Timers fire in (time, creation order); `advanceTo(t)` fires every timer due by
 * `t`, letting promise callbacks (async hooks, launch promises) settle after each one, so async
 * code that waits on this clock runs as it would in real time, only instantly.
 */
export class VirtualClock implements AgentClock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): unknown {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clear(handle: unknown): void {
    (handle as Timer).cancelled = true;
  }

  /** When the next live timer is due, if any. */
  nextAt(): number | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (!x.cancelled && (best === undefined || x.at < best.at || (x.at === best.at && x.seq < best.seq))) best = x;
    return best?.at;
  }

  /** Let pending promise callbacks run (a macrotask turn drains every microtask). */
  static async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Fire every timer due by `t` in order, then set the time to `t`. */
  async advanceTo(t: number): Promise<void> {
    await VirtualClock.settle();
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      let best: Timer | undefined;
      for (const x of this.timers) if (x.at <= t && (best === undefined || x.at < best.at || (x.at === best.at && x.seq < best.seq))) best = x;
      if (best === undefined) break;
      best.cancelled = true;
      this.t = Math.max(this.t, best.at);
      best.fn();
      await VirtualClock.settle();
    }
    this.t = Math.max(this.t, t);
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.t + ms);
  }
}
