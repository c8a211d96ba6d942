import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }> };

/**
 * The quick start is `npm ci && npm start` on a fresh machine with Node 20. A dependency that
 * declares a newer Node (cookie 2, via fastify's light-my-request 6.8, wants ≥ 22) makes npm print
 * EBADENGINE warnings on that machine, and may use what Node 20 lacks; package.json's `overrides`
 * keep such a package at a release that supports Node 20. Checked against the Node running the
 * tests (CI's is the quick start's).
 */
describe('dependencies run on the Node the quick start names', () => {
  it('every locked package that declares a Node range accepts this Node', () => {
    const refused = Object.entries(lock.packages).flatMap(([name, p]) => {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      return range !== undefined && name !== '' && p.optional !== true && !semver.satisfies(process.version, range) ? [`${name.replace(/^node_modules\//, '')} wants node ${range}`] : [];
    });
    expect(refused, `on ${process.version}`).toEqual([]);
    expect(semver.major(process.version), 'the quick start names Node 20').toBeGreaterThanOrEqual(20);
  });
});
