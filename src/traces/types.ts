import type { Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';

/**
 * Trace readers stream `Request`s (async iterables), validating each record and reporting a bad
 * one with file, line number and field (TraceFormatError). They never build the whole trace in
 * memory. Requests come out in the file's order; the replay driver sorts by arrival where needed.
 */
export interface TraceReadOptions {
  /** The scenario's resource dimensions; readers map their columns onto these names. */
  readonly space: ResourceSpace;
  /** Stop after this many requests. */
  readonly limit?: number;
}

export type RequestStream = AsyncIterable<Request>;
