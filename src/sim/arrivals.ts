import { UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import type { ReplayOptions } from './replay-options.js';

/**
 * The replay's request stream (a trace reader's async stream or an array), read one request
 * ahead: the driver sees when the next request arrives before it handles the kernel events due
 * by then. Requests come in arrival order: one earlier than a request before it is a UserError
 * naming both times, unless `lateArrivals: 'now'` lets it through (the driver starts it at the
 * clock); an arrival that is not a number is refused either way.
 */
export class ArrivalStream {
  private last = -Infinity;

  private constructor(
    private readonly iter: AsyncIterator<Request>,
    private next: IteratorResult<Request>,
    private readonly lateArrivals: ReplayOptions['lateArrivals'],
  ) {}

  /** The stream over `requests`, its first request read. */
  static async open(requests: ReplayOptions['requests'], lateArrivals: ReplayOptions['lateArrivals']): Promise<ArrivalStream> {
    const iter = Symbol.asyncIterator in requests ? (requests as AsyncIterable<Request>)[Symbol.asyncIterator]() : toAsync(requests as Iterable<Request>);
    return new ArrivalStream(iter, await iter.next(), lateArrivals);
  }

  /** No request is left. */
  get done(): boolean {
    return this.next.done === true;
  }

  /** When the next request arrives (Infinity once done). */
  get time(): number {
    return this.next.done ? Infinity : this.next.value.arrival;
  }

  /** The next request (not done), checked for arrival order; `pull` then reads the one after it. */
  take(): Request {
    const r = (this.next as IteratorYieldResult<Request>).value;
    if (!(r.arrival >= this.last)) {
      if (this.lateArrivals !== 'now' || Number.isNaN(r.arrival)) throw new UserError(`requests must come in arrival order: request '${r.id}' arrives at ${r.arrival}s, after one at ${this.last}s (sort the trace by arrival)`);
    } else this.last = r.arrival;
    return r;
  }

  /** Read the request after the one taken; true when there is none (the stream is done). */
  async pull(): Promise<boolean> {
    this.next = await this.iter.next();
    return this.done;
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
