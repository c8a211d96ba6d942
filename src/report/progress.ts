/**
 * Progress for long runs, written to stderr. Silent for the first second (short runs print
 * nothing); then a bar redrawn in place on a terminal, or a plain line every 5 s otherwise (CI logs).
 */
export class Progress {
  private readonly started: number;
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly write: (s: string) => void,
    private readonly interactive: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = this.now();
  }

  update(label: string, fraction: number | undefined, detail: string): void {
    const t = this.now();
    if (t - this.started < 1000) return;
    const every = this.interactive ? 100 : 5000;
    if (this.shown && t - this.lastDraw < every) return;
    this.lastDraw = t;
    this.shown = true;
    const elapsed = ((t - this.started) / 1000).toFixed(0);
    if (fraction !== undefined) {
      const w = 24;
      const f = Math.max(0, Math.min(1, fraction));
      const bar = '#'.repeat(Math.round(f * w)).padEnd(w, '.');
      this.emit(`${label} [${bar}] ${(f * 100).toFixed(0)}% ${detail} (${elapsed}s)`);
    } else this.emit(`${label} ${detail} (${elapsed}s)`);
  }

  private emit(s: string): void {
    if (this.interactive) this.write(`\r\x1b[2K${s}`);
    else this.write(`${s}\n`);
  }

  /** Clear the bar on a terminal; in a log, close the last progress line with `summary` so it does not end at "83%". */
  done(summary = 'done'): void {
    if (!this.shown) return;
    if (this.interactive) this.write('\r\x1b[2K');
    else this.write(`${summary} (${((this.now() - this.started) / 1000).toFixed(0)}s)\n`);
  }
}
