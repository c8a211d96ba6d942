/**
 * The JSON Lines reader's duplicate-key check, per line, as a ratio to JSON.parse of the same line
 * measured in the same run: the full scan (`duplicateKey`) and the pre-check that spares most lines
 * the scan (`mayRepeatKey`). A six-key LLM request record, as the `llm` trace kind reads.
 *
 *   npx tsx bench/jsonl-duplicate-keys.ts [--lines 300000]
 */
import { parseArgs } from 'node:util';
import { duplicateKey, mayRepeatKey } from '../src/traces/jsonl-rows.js';
import { intArg } from './usage.js';

const { values: o } = parseArgs({ options: { lines: { type: 'string', default: '300000' } }, strict: true });
const N = intArg('--lines', o.lines, 1000);
const line = '{"timestamp":"2023-11-16 18:15:46.6805900","request_id":"abc-123","input_length":2500,"output_length":100,"model":"llama-2-70b","tenant":"t1"}';
const value: unknown = JSON.parse(line);
let sink = 0;
const perLine = (f: () => void): number => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) f();
  return Number(process.hrtime.bigint() - t) / N;
};
for (let round = 1; round <= 3; round++) {
  const parse = perLine(() => void (sink += Object.keys(JSON.parse(line) as object).length));
  const scan = perLine(() => void (sink += duplicateKey(line) === undefined ? 0 : 1));
  const pre = perLine(() => void (sink += mayRepeatKey(line, value) ? 1 : 0));
  console.log(`round ${round}: JSON.parse ${parse.toFixed(0)} ns/line; scan ${(scan / parse).toFixed(2)}× of it; pre-check ${(pre / parse).toFixed(2)}× of it`);
}
if (sink < 0) console.log(sink);
