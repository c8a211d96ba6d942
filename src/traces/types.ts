import type { Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';

/**
 * Trace readers stream `Request`s (async iterables), validating each record and reporting a bad
 * one with file, line number and field (TraceFormatError). They do not build the whole trace in
 * memory, except where a file not in arrival order is replayed sorted (the openb pod lists, and
 * `unsorted: sort`, arrival-order.ts). Requests come out in arrival order.
 */
export interface TraceReadOptions {
  /** The scenario's resource dimensions; readers map their columns onto these names. */
  readonly space: ResourceSpace;
  /** Stop after this many requests. */
  readonly limit?: number;
}

export type RequestStream = AsyncIterable<Request>;
