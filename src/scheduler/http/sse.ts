import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceScheduler } from '../scheduler.js';
import type { EventRecord } from '../store.js';
import { HttpError } from './errors.js';
import type { IdView } from './ids.js';

/**
 * `GET /v1/events`: the event log as Server-Sent Events. Each event is
 * `id: <n>\nevent: <type>\ndata: <json>\n\n`, ids consecutive across restarts and failovers.
 * `Last-Event-ID` (header, as browsers' EventSource send it on reconnect) or `?after=N` resumes
 * after event N: the stream first replays the log from the store, then continues live, each
 * event exactly once and in id order. An id ahead of the newest event gets an `event: reset`
 * notice (with `id: 0`) and the log from its start. Without either it starts with the next event. Tenant
 * tokens get their tenant's events and the cluster-wide ones (scaling, pools), with ids as they
 * name them. A `: ping` comment every 15 s keeps proxies from closing an idle stream.
 *
 * Live events come from `onCommitted`, so nothing is sent before it is durable. Subscribing
 * before reading the backlog, and skipping ids already sent, closes the gap between the two.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  async serve(req: FastifyRequest, reply: FastifyReply, scheduler: ResourceScheduler, view: IdView): Promise<void> {
    const header = req.headers['last-event-id'];
    const after = (req.query as { after?: string }).after;
    const from = typeof header === 'string' && header !== '' ? header : after;
    let last: number;
    if (from === undefined) last = scheduler.lastEventId;
    else {
      if (!/^\d{1,15}$/.test(from)) throw new HttpError(400, 'invalid-body', 'Last-Event-ID / after: expected an event id (a whole number)', 'after');
      last = Number(from);
    }
    // Everything shown must be durable: the id we start after included.
    await scheduler.durable();
    // An id past the newest one was not issued by this log (a store reset or restored from an
    // older backup, another deployment): waiting for ids above it would silently skip every event
    // up to it. Say so and start from the beginning of what the log keeps.
    const newest = scheduler.lastEventId;
    const reset = last > newest ? { after: last, lastEventId: newest, reason: 'Last-Event-ID is ahead of the newest event of this log (reset, restored or another deployment): replaying from its start' } : undefined;
    if (reset !== undefined) last = 0;

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write('retry: 1000\n\n');
    // `id: 0` moves an EventSource's last id back, so a reconnect before the first event replays from the start too.
    if (reset !== undefined) raw.write(`id: 0\nevent: reset\ndata: ${JSON.stringify(reset)}\n\n`);
    let closed = false;
    let buffer: EventRecord[] | undefined = [];
    const write = (records: readonly EventRecord[]): void => {
      let chunk = '';
      for (const r of records) {
        if (r.id <= last) continue;
        if (r.id > last + 1 && chunk === '') chunk += `event: gap\ndata: ${JSON.stringify({ from: last + 1, to: r.id - 1, reason: 'older events were pruned from the log' })}\n\n`;
        last = r.id;
        const data = view.event(r);
        if (data === undefined) continue;
        chunk += `id: ${r.id}\nevent: ${r.type}\ndata: ${JSON.stringify({ id: r.id, type: r.type, tenant: r.tenant, atMs: r.atMs, ...(data as object) })}\n\n`;
      }
      if (chunk !== '' && !closed) raw.write(chunk);
    };
    const off = scheduler.onCommitted((records) => {
      if (buffer !== undefined) buffer.push(...records);
      else write(records);
    });
    const ping = setInterval(() => raw.write(': ping\n\n'), 15_000).unref();
    const close = (): void => {
      if (closed) return;
      closed = true;
      off();
      clearInterval(ping);
      this.open.delete(close);
      raw.end();
    };
    this.open.add(close);
    req.raw.on('close', close);
    try {
      for (let pages = 0; pages < 100_000 && !closed; pages++) {
        const page = await scheduler.store.readEvents(last, 1000);
        write(page);
        if (page.length < 1000) break;
      }
    } catch (e) {
      raw.write(`event: error\ndata: ${JSON.stringify({ message: e instanceof Error ? e.message : String(e) })}\n\n`);
      close();
      return;
    }
    const pending = buffer;
    buffer = undefined;
    write(pending);
  }

  /** End every open stream (at shutdown, or when the lead is lost: clients reconnect elsewhere). */
  closeAll(): void {
    for (const c of [...this.open]) c();
  }
}
