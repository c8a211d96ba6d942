import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

// examples/simulate.ts imports the package by name, i.e. dist/ (see its header): without a build it cannot start.
const built = existsSync(path.join(ROOT, 'dist', 'index.js'));
if (!built) console.warn('[test/examples/simulate] skipping: dist/ not built (run npm run build)');

describe.skipIf(!built)('examples/simulate.ts: the README\'s simulate-from-code block', () => {
  it('runs from a directory outside the package and prints the README figures', () => {
    // cwd is not the package: the scenario is found through the package's "exports", not the working directory.
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', 'simulate.ts')], { cwd: path.join(ROOT, 'test'), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(0);
    // The README's first-fit and learned:agent-fleet rows of the default scenario: SLA 91.8 % and 97.6 %, cost 136.50 each.
    expect(r.stdout).toContain('\nfirst-fit: SLA 91.8%, cost 136.50\nlearned:agent-fleet: SLA 97.6%, cost 136.50\n');
    expect(r.stdout).toMatch(/^first-fit\s+29069\s+0\s+266\s/m);
  });
});
