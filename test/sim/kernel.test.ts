import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/sim/kernel.js';
import { Rng } from '../../src/core/rng.js';

describe('DES kernel', () => {
  it('delivers events in time order, equal times in scheduling order', () => {
    const k = new Kernel<string>();
    k.schedule(5, 'c');
    k.schedule(1, 'a');
    k.schedule(5, 'd');
    k.schedule(3, 'b');
    k.schedule(5, 'e');
    const seen: [string, number][] = [];
    k.run((e, now) => seen.push([e, now]));
    expect(seen).toEqual([['a', 1], ['b', 3], ['c', 5], ['d', 5], ['e', 5]]);
    expect(k.now).toBe(5);
  });

  it('matches a sort by (time, seq) on 20,000 random events with many ties', () => {
    const rng = new Rng(7);
    const k = new Kernel<number>();
    const ref: { t: number; s: number }[] = [];
    for (let s = 0; s < 20_000; s++) {
      const t = rng.int(500);
      k.schedule(t, s);
      ref.push({ t, s });
    }
    ref.sort((a, b) => a.t - b.t || a.s - b.s);
    const out: number[] = [];
    k.run((e) => out.push(e));
    expect(out).toEqual(ref.map((r) => r.s));
  });

  it('interleaves scheduling during the run and stops at `until`', () => {
    const k = new Kernel<number>();
    k.schedule(0, 0);
    const seen: number[] = [];
    k.run((e, now) => {
      seen.push(now);
      if (e < 10) k.schedule(now + 2, e + 1);
    }, 7);
    expect(seen).toEqual([0, 2, 4, 6]);
    expect(k.now).toBe(7);
    expect(k.peek()).toBe(8);
  });

  it('cancel withdraws a pending event: it never runs and never moves the clock', () => {
    const k = new Kernel<string>();
    k.schedule(1, 'a');
    const b = k.schedule(2, 'b');
    const late = k.schedule(100, 'late');
    k.schedule(2, 'c');
    k.cancel(b);
    k.cancel(late);
    k.cancel(late); // a second cancel is a no-op
    expect(k.pending).toBe(2);
    const seen: [string, number][] = [];
    k.run((e, now) => seen.push([e, now]));
    expect(seen).toEqual([['a', 1], ['c', 2]]);
    expect(k.now).toBe(2);
    expect(k.pending).toBe(0);
    expect(k.peek()).toBe(Infinity);
    // An id that is no longer pending (it ran, or was withdrawn) is ignored.
    k.cancel(b);
    k.cancel(0);
    expect(k.pending).toBe(0);
    k.schedule(3, 'd');
    expect(k.pending).toBe(1);
    expect(k.step()).toBe('d');
  });

  it('dropWhile drops void events off the top without moving the clock, and stops at the first live one', () => {
    const k = new Kernel<string>();
    k.schedule(1, 'a');
    k.schedule(5, 'void-1');
    const c = k.schedule(6, 'cancelled');
    k.schedule(7, 'void-2');
    k.schedule(8, 'b');
    k.schedule(9, 'void-3');
    k.cancel(c);
    expect(k.step()).toBe('a');
    k.dropWhile((e) => e.startsWith('void'));
    expect(k.now).toBe(1); // the clock stays
    expect(k.peek()).toBe(8); // void-1, the cancelled event and void-2 are gone
    expect(k.pending).toBe(2);
    expect(k.step()).toBe('b');
    k.dropWhile((e) => e.startsWith('void'));
    expect(k.pending).toBe(0);
    expect(k.peek()).toBe(Infinity);
    expect(k.now).toBe(8);
  });

  it('refuses to schedule in the past, naming the negative delay', () => {
    const k = new Kernel<string>(10);
    expect(() => k.schedule(7, 'x')).toThrow(/before now \(t=10\); negative delay -3/);
    expect(() => k.schedule(Number.NaN, 'x')).toThrow(/NaN/);
  });

  it('lets an exception from a handler stop the run', () => {
    const k = new Kernel<number>();
    k.schedule(1, 1);
    k.schedule(2, 2);
    expect(() => k.run(() => { throw new Error('boom'); })).toThrow('boom');
    expect(k.pending).toBe(1);
  });

  it('takeNow withdraws the picked events of the current instant, in scheduling order, and nothing later', () => {
    const k = new Kernel<string>();
    for (const [t, e] of [[5, 'x1'], [5, 'end-a'], [6, 'end-late'], [5, 'x2'], [5, 'end-b'], [5, 'end-c'], [9, 'y']] as const) k.schedule(t, e);
    const gone = k.schedule(5, 'end-cancelled');
    k.cancel(gone);
    expect(k.step()).toBe('x1');
    expect(k.takeNow((e) => e.startsWith('end'))).toEqual(['end-a', 'end-b', 'end-c']);
    expect(k.pending).toBe(3);
    const rest: string[] = [];
    k.run((e) => rest.push(e));
    expect(rest).toEqual(['x2', 'end-late', 'y']);
    expect(k.takeNow(() => true)).toEqual([]);
  });

  it('takeNow matches a filter of the sorted events on 5,000 random events with many ties', () => {
    const rng = new Rng(3);
    const k = new Kernel<number>();
    const evs: { t: number; i: number }[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rng.next() * 50);
      evs.push({ t, i });
      k.schedule(t, i);
    }
    const first = k.step() as number;
    const t0 = (evs[first] as { t: number }).t;
    const expected = evs.filter((e) => e.t === t0 && e.i !== first && e.i % 3 === 0).map((e) => e.i).sort((a, b) => a - b);
    expect(k.takeNow((i) => i % 3 === 0)).toEqual(expected);
    const order: number[] = [];
    k.run((i) => order.push(i));
    expect(order).toHaveLength(5000 - 1 - expected.length);
    expect(order.some((i) => expected.includes(i))).toBe(false);
  });
});
