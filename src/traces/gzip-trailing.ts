import { TraceFormatError } from '../core/errors.js';

/**
 * A gzip file whose compressed data is whole but followed by bytes that are not gzip (an HTML
 * error page appended by a download, padding): zlib then fails on the "header" of a next member
 * that is not one, Z_DATA_ERROR "incorrect header check" (the first member's header is checked
 * before reading, from the magic bytes). `gzip -t` calls it trailing garbage. The readers said
 * "corrupt or truncated gzip data after line N", with N wherever the consumer was when the
 * stream failed (line 1 of a small file): no line is right, so none is named.
 */
export function gzipTrailingBytes(e: unknown, file: string): TraceFormatError | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  if (err?.code !== 'Z_DATA_ERROR' || !/incorrect header check/.test(String(err.message))) return undefined;
  return new TraceFormatError('the compressed data is whole but followed by bytes that are not gzip (trailing garbage, as gzip -t calls it): remove them, e.g. gzip -dc FILE | gzip > FIXED.gz', { file });
}
