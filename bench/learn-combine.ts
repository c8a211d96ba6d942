/**
 * One queue model file with a scorer per backfilling setting (`withBackfilling`, see
 * src/core/policy-net.ts) from two model files already trained: MAIN's scorer for runs without
 * backfilling, BACKFILLING's for runs with it (its scaling, layers and training record). The two
 * must be queue models of the same name, features and candidate rule. MAIN's evaluation is dropped
 * (it measured MAIN alone); evaluate OUT again (bench/learn-eval.ts). `drs train` does the same in
 * one run for a config with `withBackfilling: OTHER.yaml`.
 *
 *   npx tsx bench/learn-combine.ts MAIN.json BACKFILLING.json OUT.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { validatePolicyNetFile, withBackfillingScorer, type PolicyNetFile } from '../src/core/policy-net.js';
import { isUserError } from '../src/core/errors.js';
import { die } from './learn-args.js';

const [mainFile, bfFile, outFile] = process.argv.slice(2);
if (mainFile === undefined || bfFile === undefined || outFile === undefined) die('usage: learn-combine.ts MAIN.json BACKFILLING.json OUT.json');
const read = (f: string): PolicyNetFile => {
  try {
    return validatePolicyNetFile(JSON.parse(readFileSync(f, 'utf8')), f, { kind: 'queue' });
  } catch (e) {
    if (isUserError(e) || e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') die(`${f}: ${(e as Error).message}`);
    throw e;
  }
};
const main = read(mainFile);
const bf = read(bfFile);
let out: PolicyNetFile;
try {
  out = withBackfillingScorer(main, bf);
} catch (e) {
  die(`${mainFile} + ${bfFile}: ${(e as Error).message}`);
}
validatePolicyNetFile(out, outFile, { kind: 'queue' });
writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${outFile}: ${main.name}, ${mainFile}'s scorer without backfilling, ${bfFile}'s with backfilling`);
