import { Redis } from 'ioredis';
import { isUserError, UserError } from '../core/errors.js';
import { shownUrl } from '../core/url.js';

/** The Redis connection of distributed sweeps (`drs sweep --queue`, `drs worker`), and its checks. */

export const DEFAULT_QUEUE = 'drs-sweep';

/** How long connecting to Redis (TCP, login, first PING) may take before it is an error, ms. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * How many reconnection attempts a submitter's command waits through before it fails (ioredis
 * `maxRetriesPerRequest`). With the reconnect delay min(50 ms × attempt, 2 s), 20 attempts are
 * about 10 s: a short Redis restart is ridden out, a Redis gone for good ends the sweep with an
 * error (finished cells are in the results folder; running the sweep again resumes).
 */
export const SUBMIT_RETRIES = 20;

/**
 * How long ioredis waits for a socket it ends to close before destroying it, ms (its default is
 * 2 s). A socket Redis already dropped never reports closing, so each connection closed during an
 * outage (the worker's and BullMQ's copies of it) kept the process alive for the full wait.
 */
const DISCONNECT_MS = 100;

/** `redis://[user:pass@]host:port[/db]` or `rediss://…` is accepted; anything else is a UserError. */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue expects a Redis URL such as redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue expects a redis:// URL, got '${shownUrl(url)}'`);
  if (u.hostname === '') throw new UserError(`--queue ${shownUrl(url)}: no host`);
}

/**
 * BullMQ refuses an empty queue name or one with ':' (its key separator) only when a Queue or
 * Worker is built, after the connection (and a worker's threads) are up: checked first instead.
 */
export function checkQueueName(name: string): void {
  if (name === '' || name.includes(':')) throw new UserError(`--name expects a queue name that is not empty and has no ':' (BullMQ's key separator), got '${name}'`);
}

export interface RedisConnectOptions {
  /**
   * ioredis `maxRetriesPerRequest`: null (a command waits through any number of reconnections;
   * BullMQ requires it for workers) or how many reconnection attempts a command may wait through.
   */
  readonly maxRetriesPerRequest: number | null;
  /** Bound on connecting, ms (default CONNECT_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/**
 * An ioredis connection to `url`, returned once Redis has answered a PING. A bad URL, a refused
 * or unreachable server, or no answer within `timeoutMs` is a UserError naming the URL, and no
 * reconnection keeps running. Once connected, a lost connection is retried (delay
 * min(50 ms × attempt, 2 s)). The caller closes it (`quit()`); BullMQ leaves a connection it was
 * given open.
 */
export async function connectRedis(url: string, opts: RedisConnectOptions): Promise<Redis> {
  checkRedisUrl(url);
  const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
  let ready = false;
  let lastError: Error | undefined;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: opts.maxRetriesPerRequest,
    // BullMQ's copies of this connection (a worker's blocking one) take its options, this one too.
    disconnectTimeout: DISCONNECT_MS,
    // No retry before the first success: a wrong URL fails now instead of retrying for ever.
    retryStrategy: (attempt) => (ready ? Math.min(attempt * 50, 2000) : null),
  });
  client.on('error', (e: Error) => void (lastError = e));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    // ioredis reports a refused SELECT of the URL's database (`/99`: "DB index is out of range")
    // as an 'error' event and carries on in database 0, where other sweeps' jobs are. Its reply
    // comes before the PING's, so any such error is known here.
    if (lastError !== undefined) throw lastError;
    ready = true;
    return client;
  } catch (e) {
    if (client.status !== 'end') client.disconnect();
    const why = lastError?.message ?? (e as Error).message;
    throw new UserError(`cannot connect to Redis at ${shownUrl(url)} (--queue): ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

/** An error from BullMQ/ioredis while the connection is down → a UserError naming the URL. */
export function lostConnection(e: unknown, url: string, client: Redis): unknown {
  if (isUserError(e) || client.status === 'ready') return e;
  return new UserError(`lost the connection to Redis at ${shownUrl(url)}: ${(e as Error).message}`);
}

/** QUIT when connected (pending replies arrive first), else drop the socket and stop reconnecting. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: the connection went away meanwhile
    }
  }
  if (client.status !== 'end') client.disconnect();
}
