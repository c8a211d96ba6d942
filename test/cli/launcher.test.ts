import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** bin/drs.js copied into a scratch checkout whose dist/ the test controls. */
describe('bin/drs.js, the launcher', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-launcher-'));
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync(path.join(ROOT, 'bin/drs.js'), path.join(dir, 'bin/drs.js'));
  const launch = (): { status: number | null; stdout: string; stderr: string } => spawnSync(process.execPath, [path.join(dir, 'bin/drs.js'), 'run'], { encoding: 'utf8' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says the CLI is not built, in two lines with exit 1, when dist/ is missing', () => {
    const r = launch();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`drs: the CLI is not built (${path.join(dir, 'dist/cli/main.js')} is missing)\n  run \`npm run build\` (\`npm ci\` runs it)\n`);
  });

  it('says a package is missing when the built CLI cannot load one', () => {
    mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
    writeFileSync(path.join(dir, 'dist/cli/main.js'), "import 'drs-no-such-package';\nexport const main = async () => 0;\n");
    const r = launch();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^drs: cannot load the CLI: Cannot find package 'drs-no-such-package'.*\n {2}run `npm ci` to install the packages\n$/);
  });

  it('runs the built CLI and passes its exit code and arguments on', () => {
    writeFileSync(path.join(dir, 'dist/cli/main.js'), 'export const main = async (args) => { console.log(args.join(",")); return 3; };\n');
    const r = launch();
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('run\n');
  });
});
