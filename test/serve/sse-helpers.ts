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

/**
 * An open event stream read as text, for tests that act between two points of it: `until(s)`
 * reads on until the text holds `s` and resolves with all the text so far (or with what came,
 * once the stream ended or its bound of `timeoutMs` passed). `close()` ends it.
 */
export function textStream(url: string, query: string, headers: Record<string, string>, timeoutMs = 15_000): { until: (s: string) => Promise<string>; close: () => void } {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const reader = fetch(`${url}/v1/events${query}`, { headers, signal: ctl.signal }).then((res) => (res.body as ReadableStream<Uint8Array>).getReader());
  reader.catch(() => {}); // seen by the next until()
  const dec = new TextDecoder();
  let text = '';
  let ended = false;
  return {
    async until(s: string): Promise<string> {
      try {
        const r = await reader;
        while (!ended && !text.includes(s)) {
          const { done, value } = await r.read();
          if (done) ended = true;
          else text += dec.decode(value, { stream: true });
        }
      } catch {
        ended = true; // aborted: what came is all there is
      }
      return text;
    },
    close(): void {
      clearTimeout(timer);
      ctl.abort();
    },
  };
}

/** The stream's text until it holds `until` (bounded: a stream that never gets there returns what came). */
export async function streamText(url: string, query: string, headers: Record<string, string>, until: string, timeoutMs = 15_000): Promise<string> {
  const stream = textStream(url, query, headers, timeoutMs);
  try {
    return await stream.until(until);
  } finally {
    stream.close();
  }
}
