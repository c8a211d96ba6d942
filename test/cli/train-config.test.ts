import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs } from './helpers.js';

/** A config file `name` with `text` in a scratch folder. */
function configFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('drs train: config files that are not one YAML mapping', () => {
  it('an empty or comment-only config is one line naming the file, exit 2', async () => {
    for (const text of ['', '# only a comment\n']) {
      const file = configFile('c.yaml', text);
      const r = await drs(['train', file]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`drs train: ${file}: the file is empty or holds only comments: expected a training config, a mapping of its fields (kind, name, ...; see train/*.yaml)\n`);
    }
  });

  it('a config holding two YAML documents names the line the second starts on, with no yaml-library advice', async () => {
    const file = configFile('c.yaml', 'kind: queue\nname: t\n---\na: 1\n');
    const r = await drs(['train', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs train: ${file}:3: the file holds more than one YAML document (a second starts on this line, after \`---\`); a training config is one document\n`);
  });
});
