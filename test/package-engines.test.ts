import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean }> };

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

  it("a project that installs drs-toolkit gets the same pins: each override is also a direct dependency of that range", () => {
    // npm applies `overrides` only in the root project: `npm install drs-toolkit` in a user's
    // service ignored ours, installed light-my-request 6.8 and cookie 2 and printed EBADENGINE on
    // Node 20. A direct dependency of the pinned range is placed at the top of the user's tree, and
    // fastify's `^6` dedupes to it.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; overrides?: Record<string, unknown> };
    const overrides = Object.entries(pkg.overrides ?? {});
    expect(overrides.length).toBeGreaterThan(0);
    for (const [name, range] of overrides) expect(pkg.dependencies[name], `override '${name}'`).toBe(range);
    expect(lock.packages['node_modules/light-my-request']?.version, 'the lock places it at the top, as a user\'s install does').toMatch(/^6\.6\./);
  });
});
