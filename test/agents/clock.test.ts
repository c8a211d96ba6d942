import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, VirtualClock } from '../../src/agents/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('clocks', () => {
  it('the system clock waits 40 days when asked (setTimeout alone would fire at once past 24.8 days)', () => {
    vi.useFakeTimers();
    let fired = 0;
    systemClock.setTimer(40 * 86_400_000, () => fired++);
    vi.advanceTimersByTime(40 * 86_400_000 - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    const h = systemClock.setTimer(30 * 86_400_000, () => fired++);
    vi.advanceTimersByTime(25 * 86_400_000);
    systemClock.clear(h); // cleared in its second leg
    vi.advanceTimersByTime(10 * 86_400_000);
    expect(fired).toBe(1);
  });

  it('the virtual clock fires timers in (time, creation) order and lets promises settle between them', async () => {
    const c = new VirtualClock(1000);
    const seen: string[] = [];
    c.setTimer(20, () => seen.push('b@' + c.now()));
    c.setTimer(10, () => {
      seen.push('a@' + c.now());
      void Promise.resolve().then(() => c.setTimer(0, () => seen.push('a2@' + c.now())));
    });
    c.setTimer(20, () => seen.push('c@' + c.now()));
    const h = c.setTimer(15, () => seen.push('never'));
    c.clear(h);
    await c.advanceTo(1100);
    expect(seen).toEqual(['a@1010', 'a2@1010', 'b@1020', 'c@1020']);
    expect(c.now()).toBe(1100);
  });
});
