import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { ROOT } from './helpers.js';

const EXAMPLES = path.join(ROOT, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => /\.(ts|mts|js|mjs)$/.test(f));

describe('examples use the package as a user would', () => {
  it.each(files)('%s imports drs-toolkit, never the source tree', (f) => {
    const text = readFileSync(path.join(EXAMPLES, f), 'utf8');
    const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1] as string);
    for (const s of specifiers) expect(s.startsWith('.') || s.startsWith('/'), `${f} imports '${s}'`).toBe(false);
    // Every value it takes from the package is in the public export list (src/index.ts → dist/index.js).
    for (const m of text.matchAll(/import\s+\{([^}]+)\}\s+from\s+'drs-toolkit'/g)) {
      const names = (m[1] as string).split(',').map((x) => x.trim()).filter((x) => x !== '' && !x.startsWith('type '));
      for (const n of names) expect(api, `${f}: '${n}' is not exported by drs-toolkit`).toHaveProperty(n.split(/\s+as\s+/)[0] as string);
    }
  });

  it('the package name resolves to the built entry point (self-reference through "exports")', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { default: string }> };
    expect(pkg.name).toBe('drs-toolkit');
    expect(pkg.exports['.']?.default).toBe('./dist/index.js');
  });
});
