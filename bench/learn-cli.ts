/**
 * Runs the drs CLI from source (tsx), for training runs and benchmarks without a build:
 *   nice -n 10 npx tsx bench/learn-cli.ts train train/sdsc-sp2.yaml
 */
import { main } from '../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
