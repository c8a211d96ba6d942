import { describe, expect, it } from 'vitest';
import { nextCell } from '../../src/sweep/pool.js';

describe('sweep cell order (longest strategy first)', () => {
  const waiting = ['ff', 'ff', 'bfd', 'bfd', 'pre', 'pre'];
  it('samples every strategy once before any repeats, in submission order', () => {
    expect(nextCell(waiting, new Map(), new Map())).toBe(0);
    expect(nextCell(waiting.slice(1), new Map(), new Map([['ff', 1]]))).toBe(1); // bfd, not the second ff
    expect(nextCell(['ff', 'bfd', 'pre', 'pre'], new Map(), new Map([['ff', 1], ['bfd', 1]]))).toBe(2);
  });
  it('then takes the strategy whose cells took longest on average; an untimed one still goes first', () => {
    const seen = new Map([['ff', { ms: 2000 }], ['bfd', { ms: 2500 }], ['pre', { ms: 9000 }]]);
    const started = new Map([['ff', 1], ['bfd', 1], ['pre', 1]]);
    expect(nextCell(['ff', 'bfd', 'pre', 'ff'], seen, started)).toBe(2);
    expect(nextCell(['ff', 'bfd', 'ff'], seen, started)).toBe(1);
    expect(nextCell(['ff', 'bfd', 'new'], seen, started)).toBe(2);
    expect(nextCell([], seen, started)).toBe(-1);
  });
});
