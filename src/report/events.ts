import { writeSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { REJECTION_CODES } from '../core/rejection.js';
import { EV, type EventKind, type EventLog } from '../sim/log.js';
import { PartialFile } from './partial-file.js';

/** Names of the request events in the events file. */
const NAMES: Partial<Record<EventKind, string>> = {
  [EV.arrive]: 'arrive',
  [EV.start]: 'start',
  [EV.complete]: 'complete',
  [EV.preempt]: 'preempt',
  [EV.failEvict]: 'node-failure-evict',
  [EV.expire]: 'expire',
  [EV.reject]: 'reject',
  [EV.unfinished]: 'unfinished',
};

export type EventsFormat = 'csv' | 'jsonl';

/** The format a file name asks for (`.csv` or `.jsonl`), or undefined. */
export function eventsFormatOf(file: string): EventsFormat | undefined {
  const f = file.toLowerCase();
  if (f.endsWith('.csv')) return 'csv';
  if (f.endsWith('.jsonl') || f.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

export const EVENT_COLUMNS = ['strategy', 'time', 'event', 'request', 'tenant', 'priority', 'pool', 'node', 'code', 'devices'] as const;

/**
 * Writes every request's life, one row per event, in time order per strategy: `arrive`, `start`
 * (with pool and node, and on a GPU device node the devices it took), `complete`, `preempt` and `node-failure-evict` (the request goes back to
 * the queue and starts again later), `expire` (its lease ran out), `reject` (with the rejection
 * code), `unfinished` (still waiting or running when the run ended). Times are simulated seconds.
 * Enough to recompute the waits, slowdowns, SLA, fairness, preemptions and rejections of a run;
 * utilization, fragmentation and cost also need the demands (the trace) and the nodes' lives.
 *
 * CSV: a header line, then comma-separated values (ids and tenants are quoted when they hold a
 * comma, quote or newline). JSONL: one JSON object per line with the same keys (`node`, `pool`,
 * `code`, `devices` left out when they do not apply; in CSV the devices are joined by `;`). Rows are written in chunks, so a million-request run
 * does not build one giant string.
 *
 * The rows go to `FILE.partial`, which takes the name FILE on `close()`: a run that stops with an
 * error (`abort()` removes the partial file) or is interrupted leaves FILE as it was, never an
 * empty or partial file under the name of a complete one. The partial file gets FILE's permissions.
 */
export class EventsWriter {
  /** FILE.partial until close() (partial-file.ts: a FIFO or device is written in place). */
  private readonly out: PartialFile;
  private buf: string[] = [];

  constructor(
    private readonly file: string,
    private readonly format: EventsFormat,
  ) {
    // No in-place fallback for a folder that refuses FILE.partial: the run fails now, before it
    // starts, rather than truncating FILE and leaving a partial file under its name if it fails.
    this.out = PartialFile.open(file);
    if (format === 'csv') this.buf.push(EVENT_COLUMNS.join(','));
  }

  /** Append the request events of one strategy's run. */
  add(strategy: string, log: EventLog): void {
    try {
      this.addRows(strategy, log);
    } catch (e) {
      if (!isSystemError(e)) {
        this.abort(); // a bug, not the disk: it keeps its stack, and the partial file goes
        throw e;
      }
      this.failed(e);
    }
  }

  private addRows(strategy: string, log: EventLog): void {
    for (let i = 0; i < log.length; i++) {
      const kind = log.kind(i);
      const name = NAMES[kind];
      if (name === undefined) continue; // node events
      const ri = log.ref(i);
      if (ri < 0 || ri >= log.store.length) continue;
      const node = kind === EV.start || kind === EV.complete || kind === EV.preempt || kind === EV.failEvict || kind === EV.expire ? log.node(i) : -1;
      const pool = node >= 0 ? log.pools[log.nodePool[node] as number]?.name : undefined;
      const code = kind === EV.reject ? REJECTION_CODES[log.node(i)] : undefined;
      const devices = kind === EV.start ? log.devices.get(i) : undefined;
      this.buf.push(this.row(strategy, log.time(i), name, log.store.id(ri), log.store.tenant(ri), log.store.priority(ri), pool, node >= 0 ? node : undefined, code, devices));
      if (this.buf.length >= 8192) this.flush();
    }
    this.flush();
  }

  /** Write what is left and give the file its name. */
  close(): void {
    try {
      this.flush();
      this.out.commit();
    } catch (e) {
      this.failed(e);
    }
  }

  /** The run failed: drop the partial file (FILE is left as it was). Safe to call again. */
  abort(): void {
    this.out.abort();
  }

  /**
   * A write failed (a full disk, a file size limit): the events are not all there, so the run
   * fails as one that stopped with an error does (FILE as it was, no partial file), with a
   * UserError naming the file: not taken for the strategy's own failure, no stack trace.
   */
  private failed(e: unknown): never {
    this.abort();
    throw new UserError(`cannot write --events file ${this.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }

  private row(strategy: string, time: number, event: string, id: string, tenant: string, priority: string, pool: string | undefined, node: number | undefined, code: string | undefined, devices: readonly number[] | undefined): string {
    if (this.format === 'jsonl') {
      return JSON.stringify({ strategy, time, event, request: id, tenant, priority, ...(pool !== undefined ? { pool } : {}), ...(node !== undefined ? { node } : {}), ...(code !== undefined ? { code } : {}), ...(devices !== undefined ? { devices } : {}) });
    }
    return [csv(strategy), String(time), event, csv(id), csv(tenant), priority, csv(pool ?? ''), node === undefined ? '' : String(node), code ?? '', devices?.join(';') ?? ''].join(',');
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    const text = Buffer.from(this.buf.join('\n') + '\n');
    this.buf = [];
    // writeSync may write less than asked (a file size limit reached): the rest, until it errs.
    for (let at = 0; at < text.length; ) at += writeSync(this.out.fd, text, at);
  }
}

/** An error from the file system (it has an errno code such as ENOSPC), as opposed to a bug. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

function csv(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
