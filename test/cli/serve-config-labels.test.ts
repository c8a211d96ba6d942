import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { drs, ROOT } from './helpers.js';

/**
 * Row labels are the scenario author's free text, and the export writes them into the config's
 * header comment (the row, the command, "the other rows"). A label with a line break must not end
 * that comment: the rest of the label would become a line of the config (`host: 0.0.0.0` here,
 * which the service would bind to), and the export must not crash on it.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-serve-config-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EVIL = 'evil\nhost: 0.0.0.0';

function scenario(): string {
  const text = readFileSync(path.join(ROOT, 'scenarios/default.yaml'), 'utf8');
  const strategies = ['strategies:', '  - first-fit', `  - { name: best-fit-decreasing, label: ${JSON.stringify(EVIL)} }`, '  - { name: worst-fit, label: "日本語 ✓" }', ''].join('\n');
  const file = path.join(dir, 'labels.yaml');
  writeFileSync(file, text.replace(/^strategies:\n(?: {2}-.*\n)+/m, strategies));
  return file;
}

async function exportRow(label: string): Promise<{ text: string; doc: Record<string, unknown> }> {
  const file = scenario();
  const out = path.join(dir, `out-${label.length}.yaml`);
  const r = await drs(['serve-config', file, '--strategy', label, '--out', out]);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.code).toBe(0);
  const text = readFileSync(out, 'utf8');
  return { text, doc: parse(text) as Record<string, unknown> };
}

describe('drs serve-config: labels with line breaks stay in the header comment', () => {
  it("another row's label adds no line to the config", async () => {
    const { text, doc } = await exportRow('first-fit');
    expect(doc.host).toBeUndefined();
    expect(doc.strategy).toBe('first-fit');
    const lines = text.split('\n');
    const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('#'))).join('\n');
    expect(text.slice(header.length)).toMatch(/^\ndimensions: /); // the config's first key follows the comment
    expect(header).toContain("the other rows: evil\\nhost: 0.0.0.0, 日本語 ✓"); // escaped; other text as written
  });

  it('the row itself: exported, its label escaped in the header', async () => {
    const { text, doc } = await exportRow(EVIL);
    expect(doc.host).toBeUndefined();
    expect(doc.strategy).toBe('best-fit-decreasing');
    expect(text.split('\n')[0]).toBe("# drs serve config for row 'evil\\nhost: 0.0.0.0' (strategies[1]) of scenario 'agent-fleet'");
  });

  it('an unknown label: the labels listed stay on the error’s one line (escaped), exit 2', async () => {
    const r = await drs(['serve-config', scenario(), '--strategy', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(`labels, as drs run prints them: 'first-fit', ${JSON.stringify(EVIL)}, '日本語 ✓')`);
  });
});
