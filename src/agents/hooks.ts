import type { AgentClock } from './clock.js';

/** How an awaited callback ended. */
export type Settled<T> = { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'timeout' };

/**
 * Run `fn` and wait at most `ms` on `clock`. A hook that hangs is abandoned (its promise is left
 * to settle on its own; its result is ignored) and reported as `timeout`.
 */
export function withTimeout<T>(fn: () => Promise<T> | T, ms: number, clock: AgentClock): Promise<Settled<T>> {
  return new Promise<Settled<T>>((resolve) => {
    let done = false;
    const finish = (s: Settled<T>) => {
      if (done) return;
      done = true;
      clock.clear(timer);
      resolve(s);
    };
    const timer = clock.setTimer(ms, () => finish({ kind: 'timeout' }));
    let p: Promise<T>;
    try {
      p = Promise.resolve(fn());
    } catch (error) {
      finish({ kind: 'error', error });
      return;
    }
    p.then(
      (value) => finish({ kind: 'ok', value }),
      (error: unknown) => finish({ kind: 'error', error }),
    );
  });
}
