import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/**
 * Files a doc names in a bench command that were renamed since: the record quotes the command as it
 * was run, and says in the same paragraph what the file is now. Each entry must keep pointing at a
 * file that exists.
 */
const RENAMED: Record<string, string> = {
  'train/lublin-1-synthetic.yaml': 'train/lublin-1-round6.yaml',
  'train/agent-fleet-hour.yaml': 'train/agent-fleet.yaml',
};
/** Outputs of an earlier command in the same block (written by the bench, not shipped). */
const OUTPUT = /^bench\/results\//;

/**
 * Every bench command quoted in the docs: `bench/NAME.ts` and the repository files after it in the
 * same code span (a span may wrap over lines, as a long command in a paragraph does; a fenced
 * block is read line by line).
 */
function commands(): { doc: string; line: number; script: string; files: string[] }[] {
  const out: { doc: string; line: number; script: string; files: string[] }[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const spans = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`]+)`/g)].flatMap((m) => {
      const at = m.index ?? 0;
      if (m[1] !== undefined) return m[1].split('\n').map((l, i) => ({ code: l, line: text.slice(0, at).split('\n').length + 1 + i }));
      return [{ code: (m[2] as string).replace(/\s+/g, ' '), line: text.slice(0, at).split('\n').length }];
    });
    for (const { code, line } of spans) {
      for (const m of code.matchAll(/bench\/[\w/.-]+\.ts((?:(?!bench\/[\w/.-]+\.ts)[^|])*)/g)) {
        const files = [...(m[1] ?? '').matchAll(/(?:^|\s)((?:train|models|scenarios|bench|examples)\/[\w/.-]+\.(?:ya?ml|json))/g)].map((f) => f[1] as string);
        out.push({ doc, line, script: (m[0].match(/^bench\/[\w/.-]+\.ts/) as RegExpMatchArray)[0], files });
      }
    }
  }
  return out;
}

describe('bench commands quoted in README.md and docs/*.md', () => {
  const cmds = commands();

  it('are found (the scan is not empty)', () => {
    expect(cmds.length).toBeGreaterThan(50);
    expect(cmds.some((c) => c.script === 'bench/learn-resample.ts' && c.files.includes('train/lublin-1-round8.yaml'))).toBe(true);
  });

  it('name scripts that exist', () => {
    const missing = cmds.filter((c) => !existsSync(path.join(ROOT, c.script))).map((c) => `${c.doc}:${c.line} ${c.script}`);
    expect(missing).toEqual([]);
  });

  it('name config, model and scenario files that exist (or a recorded rename whose new file exists)', () => {
    const missing = cmds.flatMap((c) =>
      c.files.filter((f) => !OUTPUT.test(f) && !existsSync(path.join(ROOT, f)) && !(f in RENAMED && existsSync(path.join(ROOT, RENAMED[f] as string)))).map((f) => `${c.doc}:${c.line} ${c.script} ${f}`),
    );
    expect(missing).toEqual([]);
  });

  it('quote a renamed file only where the doc says what it is now', () => {
    const unexplained = DOCS.flatMap((doc) => {
      const paragraphs = readFileSync(path.join(ROOT, doc), 'utf8').split(/\n\s*\n/);
      return paragraphs.flatMap((p) => Object.entries(RENAMED).filter(([old, now]) => p.includes(old) && !p.includes(now)).map(([old]) => `${doc}: '${old}' in a paragraph that does not name its new file`));
    });
    expect(unexplained).toEqual([]);
  });
});
