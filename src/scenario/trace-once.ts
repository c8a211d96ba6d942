import type { Request } from '../core/model.js';
import { RequestStore } from '../sim/request-store.js';

/**
 * Most requests a run keeps for its later strategies (columnar, ~31 bytes each off the JS heap for
 * a plain trace: about 125 MB at this size). A longer trace is read again for every strategy.
 */
export const TRACE_KEEP_LIMIT = 4_000_000;

/**
 * The workload of every strategy of a run, read once: the first pass streams the trace (reading,
 * parsing, drawing) and keeps each request it yields; once a pass has taken the stream to its end
 * (the trace's end, or the horizon), the next passes replay what was kept instead of reading the
 * file again. Reading was about half of a strategy's time on a 1 M-request LLM trace. Every pass
 * sees the same requests either way (readers are deterministic for a seed; `RequestStore.get`
 * gives back each request field for field). A pass stopped early (a strategy that failed, `drs
 * validate` reading the first 100) keeps nothing, nor does a trace longer than `limit`: the next
 * pass reads the trace again, as before.
 */
export function readOnce(open: () => AsyncIterable<Request>, limit = TRACE_KEEP_LIMIT): () => AsyncIterable<Request> | Iterable<Request> {
  let kept: RequestStore | undefined;
  return () => (kept !== undefined ? replayKept(kept) : keeping(open(), limit, (store) => (kept = store)));
}

async function* keeping(stream: AsyncIterable<Request>, limit: number, done: (store: RequestStore) => void): AsyncGenerator<Request> {
  let store: RequestStore | undefined = new RequestStore();
  for await (const r of stream) {
    if (store !== undefined) {
      if (store.length < limit) store.add(r);
      else store = undefined;
    }
    yield r;
  }
  // Reached only when the stream ended: a consumer that stopped early left through `yield`.
  if (store !== undefined) done(store);
}

function* replayKept(store: RequestStore): Generator<Request> {
  for (let i = 0; i < store.length; i++) yield store.get(i);
}
