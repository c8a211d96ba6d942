import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

// The examples import the package by name, i.e. dist/ (see their headers): without a build they cannot start.
const built = existsSync(path.join(ROOT, 'dist', 'index.js'));
if (!built) console.warn('[test/examples/flags] skipping: dist/ not built (run npm run build)');

function run(file: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', file), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)('examples: a bad flag is one line naming it, exit code 2, and nothing runs', () => {
  it.each([
    ['agent-runner.ts', ['--agents', 'abc'], "--agents must be a whole number ≥ 1, got 'abc'"],
    ['agent-runner.ts', ['--agents=-3'], "--agents must be a whole number ≥ 1, got '-3'"],
    ['agent-runner.ts', ['--agent', '3'], "Unknown option '--agent'"],
    ['agents-subprocess.ts', ['--seconds', 'abc'], "--seconds must be a number > 0, got 'abc'"],
    ['agents-subprocess.ts', ['--second', '3'], "Unknown option '--second'"],
  ])('%s %j', (file, args, message) => {
    const r = run(file, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('usage: npx tsx examples/');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
  });
});
