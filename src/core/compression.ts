import { open } from 'node:fs/promises';

/**
 * Compressed file formats by their first bytes ("magic numbers"), so that a reader can say what
 * it was given instead of parsing compressed bytes as text: the SWF and bin-packing readers gunzip
 * by content, the CSV readers gunzip a name ending in `.gz`, and none of them reads the others.
 */
const FORMATS: readonly { readonly name: string; readonly magic: readonly number[] }[] = [
  { name: 'gzip', magic: [0x1f, 0x8b] },
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
];

/** Bytes `compressionOf` needs from the start of a file. */
export const MAGIC_BYTES = 6;

export type Compression = 'gzip' | 'zip' | 'bzip2' | 'xz' | 'zstd';

/** The compression whose magic number `head` (a file's first bytes) starts with, if any. */
export function compressionOf(head: Uint8Array): Compression | undefined {
  return FORMATS.find((f) => head.length >= f.magic.length && f.magic.every((b, i) => head[i] === b))?.name as Compression | undefined;
}

/** The first `n` bytes of `file`, or undefined when it cannot be read (the caller's own read reports why). */
export async function fileHead(file: string, n = MAGIC_BYTES): Promise<Uint8Array | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** What to do with a file compressed with `c`, which the reader does not decompress. */
export function decompressHint(c: Compression): string {
  return c === 'zip' ? 'unzip it first' : 'decompress it first';
}

/** Whether a file's name says gzip (`.gz`, any case: `trace.CSV.GZ` from a Windows export too); the CSV and JSON Lines readers gunzip by name. */
export function gzipName(file: string): boolean {
  return /\.gz$/i.test(file);
}
