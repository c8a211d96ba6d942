/** A small Server-Sent Events reader for tests: collects `{ id, type, data }` until closed or the stream ends. */
export interface SseEvent {
  readonly id: number;
  readonly type: string;
  readonly data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function openStream(base: string, token: string, lastEventId?: number): { events: SseEvent[]; ended: Promise<string>; status: Promise<number>; close: () => void } {
  const events: SseEvent[] = [];
  const ctl = new AbortController();
  let resolveStatus: (n: number) => void = () => {};
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = (async (): Promise<string> => {
    try {
      const res = await fetch(`${base}/v1/events`, {
        headers: { authorization: `Bearer ${token}`, ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}) },
        signal: ctl.signal,
      });
      resolveStatus(res.status);
      if (res.body === null) return 'no body';
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'ended';
        buf += dec.decode(value, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let id: number | undefined;
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = Number(line.slice(4));
            else if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (id !== undefined) events.push({ id, type, data: JSON.parse(data) as unknown });
        }
      }
    } catch (e) {
      resolveStatus(0);
      return `error: ${e instanceof Error ? e.message : String(e)}`;
    }
  })();
  return { events, ended, status, close: () => ctl.abort() };
}

/** Wait (bounded) until `pred()` holds. */
export async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
