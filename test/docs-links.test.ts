import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drs, ROOT } from './cli/helpers.js';

/*
 * Reviewers follow the README and docs/*.md literally. What they can check without running
 * anything long must hold: every relative link (and its #anchor) resolves, every `drs COMMAND`
 * named is a command, every `--flag` written after `drs COMMAND` is one of that command's options
 * (its --help names it), and every repository path written in code (`scenarios/x.yaml`,
 * `bench/y.ts`, `test/z.test.ts`, ...) exists. What the commands print is checked elsewhere
 * (test/cli/readme-quickstart.test.ts, test/scenario-docs.test.ts, the benches' own tests).
 */

const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** GitHub's heading anchor: lower case, punctuation (backticks, dots, colons, ...) dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = (m[1] as string).trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Each `drs COMMAND ...` written in the docs: an inline code span or a line that starts with it (a code block's). */
function drsMentions(): { where: string; command: string; rest: string }[] {
  const out: { where: string; command: string; rest: string }[] = [];
  for (const file of DOCS) {
    read(file).split('\n').forEach((line, i) => {
      const spans = [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      for (const s of [...spans, line]) {
        const m = /^\s*(?:\S*\$\s+)?drs ([a-z][a-z-]*)(.*)$/.exec(s); // `drs run ...`, `~/work$ drs validate ...`
        if (m) out.push({ where: `${file}:${i + 1}`, command: m[1] as string, rest: (m[2] as string).split('`')[0] as string });
      }
    });
  }
  return out;
}

describe('README and docs: links, commands, flags and paths', () => {
  it('every relative link resolves, and so does its #anchor', () => {
    const bad: string[] = [];
    for (const file of DOCS) {
      const text = read(file);
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1] as string;
        if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
        const [target = '', anchor] = link.split('#');
        const resolved = target === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), target);
        if (!existsSync(resolved)) bad.push(`${file}:${lineOf(text, m.index)}: ${link} (no such file)`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) bad.push(`${file}:${lineOf(text, m.index)}: ${link} (no such heading)`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every `drs COMMAND` named is a command, and every --flag after it is one of its options', async () => {
    const top = await drs(['--help']);
    const commands = new Set([...`${top.out}${top.err}`.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => m[1] as string));
    expect([...commands]).toEqual(expect.arrayContaining(['run', 'validate', 'sweep', 'serve']));
    const mentions = drsMentions();
    expect(mentions.length).toBeGreaterThan(100);
    // `drs fenced: …` (serve.md) is an error message's prefix, not a command.
    const unknown = mentions.filter((m) => !commands.has(m.command) && m.command !== 'fenced').map((m) => `${m.where}: drs ${m.command}`);
    expect(unknown).toEqual([]);
    const help = new Map<string, string>();
    const bad: string[] = [];
    for (const m of mentions) {
      if (!commands.has(m.command)) continue;
      const flags = [...m.rest.matchAll(/(?:^|[\s[|(])(--[a-z][a-z0-9-]*)/g)].map((f) => f[1] as string);
      if (flags.length === 0) continue;
      if (!help.has(m.command)) {
        const r = await drs([m.command, '--help']);
        help.set(m.command, `${r.out}${r.err}`);
      }
      const text = help.get(m.command) as string;
      for (const f of flags) if (!new RegExp(`(^|[\\s[|(,])${f}\\b`).test(text)) bad.push(`${m.where}: drs ${m.command} ${f}`);
    }
    expect(bad).toEqual([]);
  }, 60_000);

  it('every repository path written in code exists', () => {
    const bad: string[] = [];
    // docs/learned*.md keep the names configs had in earlier rounds ("now train/x.yaml"), and
    // bench/results/ is what the benches write (not in the repository): both left out.
    for (const file of DOCS.filter((f) => !/^docs\/learned/.test(f))) {
      const text = read(file);
      for (const span of text.matchAll(/`([^`\n]+)`|^```[a-z]*\n([\s\S]*?)^```/gm)) {
        const code = (span[1] ?? span[2]) as string;
        for (const m of code.matchAll(/(?:^|[\s(=:'"])((?:src|test|bench|examples|scenarios|scripts|models|train|notebooks)\/[\w./-]*\w)/g)) {
          const p = m[1] as string;
          if (p.startsWith('bench/results/') || /(^|\/)[A-Z]+(\.\w+)?$/.test(p)) continue; // outputs; placeholders (NAME.json, X.yaml)
          if (!existsSync(path.join(ROOT, p))) bad.push(`${file}:${lineOf(text, (span.index ?? 0) + span[0].indexOf(code) + (m.index ?? 0))}: ${p}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("the README's Layout names every folder of src/", () => {
    const readme = read('README.md');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const folders = readdirSync(path.join(ROOT, 'src')).filter((f) => statSync(path.join(ROOT, 'src', f)).isDirectory());
    expect(folders.length).toBeGreaterThan(10);
    expect(folders.filter((f) => !layout.includes(`\`src/${f}\``))).toEqual([]);
  });
});
