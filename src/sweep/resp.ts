import net from 'node:net';

/**
 * A minimal Redis client (RESP2 over one TCP socket) shaped like Bun's `RedisClient`
 * (`send(command, args)`, `connect`, `close`, `duplicate`, `connected`, `onconnect`/`onclose`),
 * which BullMQ 6 drives through its built-in Bun adapter (`createBunRedisClient`).
 *
 * Why it exists: BullMQ 6 takes its Redis driver as an optional peer dependency (ioredis,
 * node-redis or Bun's) and none is installed in this project, while the dependency list may not
 * change this round. Replace it with ioredis (`connection: { url }`) once that is a dependency;
 * nothing else in src/sweep depends on it.
 *
 * Replies: simple string → string, error → Error (rejects at top level; an Error element inside
 * an array, as in EXEC results), integer → number, bulk string → string or null, array → array
 * or null. Commands are pipelined; replies resolve in order.
 */
export class RespClient {
  connected = false;
  onconnect: (() => void) | undefined;
  onclose: ((error?: Error) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  private socket: net.Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private readonly pending: { resolve(v: unknown): void; reject(e: Error): void }[] = [];
  private closing = false;

  constructor(readonly url: string) {}

  async connect(): Promise<void> {
    if (this.connected) return;
    const u = new URL(this.url);
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(u.port || 6379) });
      s.setNoDelay(true);
      const fail = (e: Error): void => {
        s.destroy();
        reject(new Error(`Connection has failed: ${e.message}`));
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        this.socket = s;
        this.connected = true;
        s.on('data', (d: Buffer) => this.onData(d));
        s.on('error', (e) => this.onerror?.(e));
        s.on('close', () => this.lost());
        resolve();
      });
    });
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    if (pass !== '') await this.send('AUTH', user !== '' ? [user, pass] : [pass]);
    const db = u.pathname.replace(/^\//, '');
    if (db !== '' && db !== '0') await this.send('SELECT', [db]);
    this.onconnect?.();
  }

  send<T = unknown>(command: string, args: readonly (string | Buffer | number)[]): Promise<T> {
    const s = this.socket;
    if (!this.connected || s === undefined) return Promise.reject(new Error('Connection closed'));
    const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
    for (const a of args) {
      const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject });
      s.write(Buffer.concat(parts));
    });
  }

  get(key: string): Promise<string | null> {
    return this.send('GET', [key]) as Promise<string | null>;
  }

  smembers(key: string): Promise<unknown[] | null> {
    return this.send('SMEMBERS', [key]) as Promise<unknown[] | null>;
  }

  incr(key: string): Promise<number> {
    return this.send('INCR', [key]) as Promise<number>;
  }

  close(): void {
    this.closing = true;
    this.socket?.destroy();
  }

  async duplicate(): Promise<RespClient> {
    return new RespClient(this.url);
  }

  private lost(): void {
    if (!this.connected) return;
    this.connected = false;
    this.socket = undefined;
    for (const p of this.pending.splice(0)) p.reject(new Error('Connection closed'));
    // No error argument: BullMQ's adapter reconnects after an unexpected close, not after close().
    this.onclose?.();
    void this.closing;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let pos = 0;
    for (;;) {
      const r = parseReply(this.buf, pos);
      if (r === undefined) break;
      pos = r.next;
      const p = this.pending.shift();
      if (p === undefined) continue;
      if (r.value instanceof Error) p.reject(r.value);
      else p.resolve(r.value);
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }
}

/** One RESP2 reply starting at `pos`, or undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, pos: number): { value: unknown; next: number } | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos] as number);
  const line = buf.toString('utf8', pos + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new Error(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      if (buf.length < after + n + 2) return undefined;
      return { value: buf.toString('utf8', after, after + n), next: after + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      const out: unknown[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === undefined) return undefined;
        out.push(r.value);
        p = r.next;
      }
      return { value: out, next: p };
    }
    default:
      throw new Error(`Redis protocol error: unexpected reply type '${type}'`);
  }
}
