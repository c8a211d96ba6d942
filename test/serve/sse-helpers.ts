/** Shared by the event-stream tests: a store whose oldest events are gone, and a bounded read of a stream. */
import { MemoryStore } from '../../src/scheduler/index.js';
import type { EventRecord } from '../../src/scheduler/store.js';

export class PrunedStore extends MemoryStore {
  /** Events below this id are gone, as if pruned. */
  keptFrom = 1;
  override async readEvents(afterId: number, limit: number): Promise<EventRecord[]> {
    return super.readEvents(Math.max(afterId, this.keptFrom - 1), limit);
  }
}

/** The stream's text until it holds `until` (bounded: a stream that never gets there returns what came). */
export async function streamText(url: string, query: string, headers: Record<string, string>, until: string, timeoutMs = 10_000): Promise<string> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let text = '';
  try {
    const res = await fetch(`${url}/v1/events${query}`, { headers, signal: ctl.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    while (!text.includes(until)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
  } catch {
    // aborted: return what came
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return text;
}
