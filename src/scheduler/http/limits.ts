/**
 * Limits that protect the service (docs/serve.md, "What each limit protects against"). All are
 * configurable under `limits:`; a request beyond one gets a clear 4xx before any work is done.
 */
export interface ServiceLimits {
  /** Nodes a pool may have (its fixed count, `initial` and `max`); beyond: 422 `limit`. Protects memory and every scheduling pass (linear in nodes). */
  readonly nodesPerPool: number;
  /** Pools the service may hold; beyond: 422 `limit`. */
  readonly pools: number;
  /** Live allocations plus queued requests per tenant; beyond: 429 `tenant-limit`. One tenant cannot fill the books. */
  readonly outstandingPerTenant: number;
  /** Sustained requests per second per token (token bucket); beyond: 429 `rate-limited` with Retry-After. 0 = unlimited. */
  readonly requestsPerSecond: number;
  /** Bucket size: requests a token may send at once before the rate applies. */
  readonly burst: number;
  /** Largest page a list endpoint returns (`limit` beyond it: 400). */
  readonly pageSize: number;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  nodesPerPool: 10_000,
  pools: 1_000,
  outstandingPerTenant: 100_000,
  requestsPerSecond: 1_000,
  burst: 2_000,
  pageSize: 1_000,
};

/**
 * Token bucket per key: holds up to `burst` tokens, refills at `rate` per second; a request takes
 * one. When empty, the wait until one token is back is `(1 − tokens) / rate` seconds.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Take a token for `key`: undefined when allowed, else the seconds to wait (Retry-After). */
  take(key: string): number | undefined {
    if (this.rate <= 0) return undefined;
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.atMs) / 1000) * this.rate);
    b.atMs = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }
}
