import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from './helpers.js';

const FIXTURE = 'test/sweep/fixtures/tiny.yaml';

describe('drs sweep', () => {
  it('prints means with CIs and paired tests, writes JSON and HTML, and resumes from its results folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-sweep-cli-'));
    try {
      const json = path.join(dir, 'out.json');
      const html = path.join(dir, 'out.html');
      const first = await drs(['sweep', FIXTURE, '--workers', '2', '--results', path.join(dir, 'cells'), '--json', json, '--html', html]);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/^sweep tiny: scenario agent-fleet, 3 seeds, mean ±95% CI$/m);
      expect(first.out).toMatch(/^trace\.arrival\.rate=12\s+first-fit\s+3\s+/m);
      expect(first.out).toContain('paired by seed: mean difference, * = significant (paired t-test, p < 0.05)');
      expect(first.err).toContain('cells 12/12 (0 from results)');
      const res = JSON.parse(readFileSync(json, 'utf8')) as { groups: { runs: number }[]; comparisons: unknown[] };
      expect(res.groups.map((g) => g.runs)).toEqual([3, 3, 3, 3]);
      expect(readFileSync(html, 'utf8')).toContain('95% confidence interval');

      const again = await drs(['sweep', FIXTURE, '--workers', '2', '--results', path.join(dir, 'cells'), '--json', json]);
      expect(again.err).toContain('cells 12/12 (12 from results)');
      expect(again.out).toBe(first.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('names a bad axis path and a strategy the scenario lacks', async () => {
    const bad = tmpFile('s.yaml', `scenario: ${path.resolve('scenarios/default.yaml')}\nseeds: 2\naxes:\n  pools[7].nodes: [1, 2]\n`);
    const r = await drs(['sweep', bad, '--workers', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("field 'axes.pools[7].nodes': the scenario has no item 'pools[7]' (it has 3)");
    const s = tmpFile('s.yaml', `scenario: ${path.resolve('scenarios/default.yaml')}\nstrategies: [first-fit, best-fit]\n`);
    const r2 = await drs(['sweep', s, '--workers', '0']);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain("strategies 'best-fit' are not in the scenario");
  });
});
