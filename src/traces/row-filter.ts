import { TraceFormatError } from '../core/errors.js';
import { countIn } from './trace-stats.js';

/** Column → the value (or one of the values) a rule matches: the `where` / `exclude` options of the csv and llm kinds. */
export type CellValues = Readonly<Record<string, string | readonly string[]>>;

const listOf = (v: string | readonly string[]): readonly string[] => (typeof v === 'string' ? [v] : v);

/**
 * `where` keeps the rows whose cell equals a listed value in every named column; `exclude` then
 * leaves out the rows whose cell equals a listed value in any named column. Rows left out are
 * counted in the trace stats (`skipped.where`, `skipped.exclude`); matching is exact, case included.
 * `K` is how a reader finds a cell (a column index, a field name); `locate` resolves it once,
 * and may throw the reader's own error for a column the file lacks.
 */
export class RowFilter<K> {
  private readonly where: readonly { readonly column: string; readonly key: K; readonly want: readonly string[] }[];
  private readonly exclude: readonly { readonly column: string; readonly key: K; readonly not: readonly string[] }[];
  /** Rows that passed `where`, and a few values seen in its columns (for the error when none does). */
  private matched = 0;
  /** Rows that passed both rules. */
  private kept = 0;
  private readonly seen: string[] = [];

  constructor(rules: { readonly where?: CellValues | undefined; readonly exclude?: CellValues | undefined }, locate: (column: string, field: string) => K) {
    this.where = Object.entries(rules.where ?? {}).map(([column, want]) => ({ column, key: locate(column, `where.${column}`), want: listOf(want) }));
    this.exclude = Object.entries(rules.exclude ?? {}).map(([column, not]) => ({ column, key: locate(column, `exclude.${column}`), not: listOf(not) }));
  }

  /** Whether the row is kept; one left out is counted in `skipped` under 'where' or 'exclude'. */
  keeps(cell: (key: K) => string, skipped: Record<string, number>): boolean {
    if (this.where.some((w) => !w.want.includes(cell(w.key)))) {
      for (const w of this.where) {
        const v = cell(w.key);
        if (this.seen.length < 10 && !this.seen.includes(v)) this.seen.push(v);
      }
      countIn(skipped, 'where');
      return false;
    }
    this.matched++;
    if (this.exclude.some((x) => x.not.includes(cell(x.key)))) {
      countIn(skipped, 'exclude');
      return false;
    }
    this.kept++;
    return true;
  }

  /**
   * After the last row: a `where` that no row passed is an error showing values seen in its columns,
   * and so is an `exclude` that left out every row (a rule that empties the trace is a mistake, not
   * a workload of nothing).
   */
  checkMatched(file: string, records: number, noun: 'row' | 'record'): void {
    if (this.matched > 0 && this.kept === 0 && this.exclude.length > 0) {
      const dropped = this.exclude.map((x) => `${x.column} = ${x.not.map((v) => `'${v}'`).join(' or ')}`);
      throw new TraceFormatError(`'exclude' (${dropped.join(', ')}) leaves out every ${noun}${this.where.length > 0 ? " that 'where' kept" : ''}: all ${this.matched} of ${records} record(s); the trace would hold no requests`, { file });
    }
    if (this.matched > 0 || this.where.length === 0) return;
    const wanted = this.where.map((w) => `${w.column} = ${w.want.map((x) => `'${x}'`).join(' or ')}`);
    throw new TraceFormatError(
      `no ${noun} matches 'where' (${wanted.join(', ')}) among ${records} record(s); values seen in those columns include ${this.seen.map((x) => `'${x}'`).join(', ')} (matching is exact, case included)`,
      { file },
    );
  }
}
