#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci`).
import { URL } from 'node:url';
const entry = new URL('../dist/cli/main.js', import.meta.url);
let main;
try {
  ({ main } = await import(entry.href));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  // A checkout that was never built (or whose packages are missing) gets one line, not a stack trace.
  const built = err.url !== entry.href;
  console.error(built
    ? `drs: cannot load the CLI: ${err.message.split('\n')[0]}\n  run \`npm ci\` to install the packages`
    : `drs: the CLI is not built (${entry.pathname} is missing)\n  run \`npm run build\` (\`npm ci\` runs it)`);
  process.exit(1);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err); process.exitCode = 1; },
);
