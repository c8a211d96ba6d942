import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/report/progress.js';

/** A Progress on a clock the test moves; returns what it wrote. */
function recorder(interactive: boolean) {
  let t = 0;
  const out: string[] = [];
  const p = new Progress((s) => out.push(s), interactive, () => t);
  return { p, out, at: (ms: number) => (t = ms) };
}

describe('Progress', () => {
  it('is silent for a run under a second, also at the end', () => {
    const { p, out, at } = recorder(false);
    at(500);
    p.update('[1/1] first-fit', 0.5, '10 requests');
    p.done('all 1 strategy done');
    expect(out).toEqual([]);
  });

  it('in a log: a line every 5 s, and a closing line so the log does not end at a partial percentage', () => {
    const { p, out, at } = recorder(false);
    at(1500);
    p.update('[3/3] round-robin', 2.5 / 3, '100 requests');
    at(3000);
    p.update('[3/3] round-robin', 2.9 / 3, '200 requests');
    at(7000);
    p.done('all 3 strategies done');
    expect(out).toEqual(['[3/3] round-robin [####################....] 83% 100 requests (2s)\n', 'all 3 strategies done (7s)\n']);
  });

  it('on a terminal: redraws in place and clears the bar at the end', () => {
    const { p, out, at } = recorder(true);
    at(1500);
    p.update('[1/2] first-fit', 0.25, 'x');
    at(1700);
    p.update('[1/2] first-fit', 0.5, 'y');
    p.done();
    expect(out).toHaveLength(3);
    expect(out[0]?.startsWith('\r\x1b[2K[1/2] first-fit [######......')).toBe(true);
    expect(out[0]).toMatch(/\] 25% x/);
    expect(out[1]).toMatch(/50% y/);
    expect(out[2]).toBe('\r\x1b[2K');
  });
});
