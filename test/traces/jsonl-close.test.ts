/**
 * A JSON Lines reader stopped early (the llm kind's `limit`, `drs validate` reading the first
 * records, a consumer's `break`) must close its file: a `.jsonl.gz` read piped the file into
 * gunzip and destroyed only gunzip, so each early stop left the file descriptor open (50 stops,
 * 50 descriptors), and a sweep re-reading a trace per run ran towards EMFILE.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { ResourceSpace } from '../../src/core/resources.js';
import { jsonlRecords } from '../../src/traces/jsonl-rows.js';
import { readLlmLogRequests } from '../../src/traces/llm-log.js';
import { collect, fixture } from './helpers.js';

const openFiles = (): number => readdirSync('/proc/self/fd').length;
// Large enough that gunzip has not reached the end of the file when the reader stops.
const LOG = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ timestamp: i, input_length: 100 + (i % 7), output_length: 10 })).join('\n');

describe.skipIf(!existsSync('/proc/self/fd'))('a JSON Lines reader stopped early', () => {
  for (const name of ['early.jsonl.gz', 'early.jsonl']) {
    it(`closes ${name} (no file descriptor left open after 50 early stops)`, async () => {
      const file = fixture(name, LOG); // written and closed synchronously
      const before = openFiles();
      for (let k = 0; k < 25; k++) {
        for await (const rec of jsonlRecords(file)) {
          expect(rec.line).toBe(1);
          break;
        }
      }
      const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
      const stream = readLlmLogRequests(file, { space, limit: 3, columns: { arrival: 'timestamp', context: 'input_length', generated: 'output_length' } });
      for (let k = 0; k < 25; k++) expect((await collect(stream)).map((r) => r.id)).toEqual(['llm-0', 'llm-1', 'llm-2']);
      // A destroyed stream closes its file asynchronously (on a libuv thread): wait for the count to
      // come down rather than for a fixed time. 50 early stops left 50 descriptors open for good
      // before the fix; allow a couple of unrelated ones (the worker's own).
      await vi.waitFor(() => expect(openFiles() - before).toBeLessThanOrEqual(2), { timeout: 15_000, interval: 20 });
    });
  }
});
