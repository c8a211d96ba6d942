import { describe, expect, it } from 'vitest';
import type { AgentClock } from '../../src/agents/clock.js';
import { parseFleet } from '../../src/agents/config.js';
import { CronTicker } from '../../src/agents/triggers.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');

/** A wall clock that can stall: timers fire only when the test says, at whatever time it is then. */
function stallingClock(): AgentClock & { t: number; fireDue(): void } {
  const timers: { at: number; fn: () => void; off: boolean }[] = [];
  return {
    t: T0,
    now() {
      return this.t;
    },
    setTimer(ms, fn) {
      const h = { at: this.t + Math.max(0, ms), fn, off: false };
      timers.push(h);
      return h;
    },
    clear: (h) => void ((h as { off: boolean }).off = true),
    fireDue() {
      for (;;) {
        const due = timers.filter((x) => !x.off && x.at <= this.t).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) return;
        due.off = true;
        due.fn();
      }
    },
  };
}

describe('cron schedules on a wall clock that stalls (process paused, host asleep, event loop blocked)', () => {
  it('fire a missed stretch once, late, and go on from the present, not every missed firing at once', () => {
    const fleet = parseFleet({ agents: [{ id: 'tick', cpu: 1, schedule: { cron: '* * * * *' } }] });
    const clock = stallingClock();
    const fired: number[] = [];
    const ticker = new CronTicker(fleet.agents, clock, (_, at) => fired.push((at - T0) / 60_000));
    ticker.start();
    clock.t = T0 + 60_000;
    clock.fireDue();
    expect(fired).toEqual([0, 1]);
    // Asleep from 1 min to 10.5 min: the firings of minutes 2 to 10 were missed.
    clock.t = T0 + 10.5 * 60_000;
    clock.fireDue();
    expect(fired).toEqual([0, 1, 2]);
    clock.t = T0 + 11 * 60_000;
    clock.fireDue();
    expect(fired).toEqual([0, 1, 2, 11]);
    ticker.stop();
  });
});
