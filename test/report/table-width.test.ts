import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/report/table.js';

/** Where each column starts on a line, in terminal columns (a CJK character or an emoji takes two). */
const columnOf = (line: string, cell: string): number => {
  const at = line.indexOf(cell);
  let w = 0;
  for (const ch of line.slice(0, at)) w += /[\u3000-\u9fff\uff00-\uffef]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
  return w;
};

describe('renderTable: widths in terminal columns', () => {
  it('aligns rows whose labels hold CJK characters or an emoji with plain ones', () => {
    const text = renderTable(['strategy', 'SLA'], [['日本語 ✓', '97.6%'], ['first-fit', '91.8%'], ['🚀 fast', '1.0%']]);
    const lines = text.split('\n');
    // '日本語 ✓' is 8 columns (3 × 2 + 2), 'first-fit' 9, '🚀 fast' 7: the first column is 9 wide.
    expect(lines[1]).toBe('---------  -----');
    expect(lines.slice(2).map((l) => columnOf(l, '%') )).toEqual([15, 15, 15]);
    expect(lines[2]).toBe('日本語 ✓   97.6%');
    expect(lines[4]).toBe('🚀 fast     1.0%');
  });

  it('right-aligns a wide cell by its columns too, and keeps plain tables as before', () => {
    expect(renderTable(['a', 'b'], [['x', '二'], ['y', 'zzz']]).split('\n')).toEqual(['a    b', '-  ---', 'x   二', 'y  zzz']);
    expect(renderTable(['name', 'n'], [['ab', '1'], ['abcdef', '22']])).toBe('name     n\n------  --\nab       1\nabcdef  22');
  });
});
