import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, isUserError } from './errors.js';

/** 1-based line of the node at `path` in a YAML document (or of its nearest existing parent). */
export function yamlLineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    // An empty (or comment-only) document has no root node: null, not undefined.
    const parent = doc.getIn(path.slice(0, n) as (string | number)[], true) as unknown;
    if (parent === undefined || parent === null) continue;
    if (key !== undefined && n === path.length && isMap(parent)) {
      const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === key);
      const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (r) return lc.linePos(r[0]).line;
    }
    const range = (parent as { range?: [number, number, number] }).range;
    if (range) return lc.linePos(range[0]).line;
  }
  return undefined;
}

/** The line of a schema issue in a YAML document: an unknown key's own line (its value may start on the next), else its field's. */
export function issueLine(doc: Document, lc: LineCounter, iss: z.core.$ZodIssue): number | undefined {
  return iss.code === 'unrecognized_keys' ? yamlLineOf(doc, lc, iss.path, iss.keys[0] as string) : yamlLineOf(doc, lc, iss.path);
}

/** `a.b[2].c` (or `a.b.2.c`) as the path ['a', 'b', 2, 'c'], for `yamlLineOf`. */
export function fieldPath(field: string): (string | number)[] {
  return field.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== '').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

/**
 * A ConfigError found after its YAML file was read (checks that need the data: a protocol window
 * past the log's end, a machine size from the log's header) names the file and the field but no
 * line: look the field up in the file, as a parse-time error would give it. Anything else, a
 * field whose first key the file does not hold, or a file that cannot be read, is left as it is.
 */
export function withYamlLine(e: unknown): unknown {
  if (!isUserError(e) || !(e instanceof ConfigError)) return e;
  const { file, field, line } = e.location;
  if (file === undefined || field === undefined || line !== undefined || !/\.ya?ml$/i.test(file)) return e;
  try {
    const lc = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lc, prettyErrors: false });
    const at = fieldPath(field);
    if (doc.errors.length > 0 || at.length === 0 || !doc.hasIn([at[0] as string | number])) return e;
    const found = yamlLineOf(doc, lc, at);
    return found === undefined ? e : new ConfigError(e.detail, { ...e.location, line: found });
  } catch {
    return e;
  }
}

/**
 * An empty or comment-only YAML document (it has no root node) as the one line every config
 * reader gives, naming the file; `expected` says what the file should hold. Undefined otherwise.
 */
export function emptyDocumentError(doc: Document, file: string, expected: string): ConfigError | undefined {
  return doc.contents === null ? new ConfigError(`the file is empty or holds only comments: expected ${expected}`, { file }) : undefined;
}

export type YamlIssue = { message: string; code: string; pos: [number, number] };

/**
 * A YAML syntax error as a ConfigError on the line a person would fix. An unclosed `[` or `{`
 * is reported by the parser where it gave up (often the next key); we name the line that opened it.
 */
export function yamlError(text: string, lc: LineCounter, e: YamlIssue, file: string): ConfigError {
  if (e.code === 'MULTIPLE_DOCS') {
    return new ConfigError('the file holds more than one YAML document (a second starts on this line, after `---`); it must be one document', { file, line: lc.linePos(e.pos[0]).line });
  }
  const first = e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.message;
  let line = lc.linePos(e.pos[0]).line;
  let msg = `invalid YAML: ${first}`;
  if (/^Flow (sequence|map|collection)/.test(first) || /end with a [\]}]/.test(first)) {
    const lines = text.split('\n');
    let depth = 0;
    for (let i = line - 1; i >= 0; i--) {
      const l = (lines[i] ?? '').replace(/#.*$/, '').replace(/"[^"]*"|'[^']*'/g, '');
      for (let j = l.length - 1; j >= 0; j--) {
        const c = l[j];
        if (c === ']' || c === '}') depth++;
        else if (c === '[' || c === '{') {
          if (depth === 0) {
            msg = `invalid YAML: the '${c}' opened on this line is never closed (expected '${c === '[' ? ']' : '}'}')`;
            line = i + 1;
            i = -1;
            break;
          }
          depth--;
        }
      }
    }
  } else if (e.code === 'DUPLICATE_KEY') {
    // The parser's "Map keys must be unique" leaves the reader to find which key; its position is the second use.
    // (It marks only the key's first character: read the key up to its ':'.)
    const key = /^(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^:,{}[\]\n#]*?))\s*:/.exec(text.slice(e.pos[0]));
    const name = key?.[1] ?? key?.[2] ?? key?.[3];
    if (name !== undefined && name !== '') msg = `invalid YAML: the key '${name}' is given twice in one mapping`;
  } else if (e.code === 'BAD_INDENT' || e.code === 'MISSING_CHAR') msg += ' (check this line\'s indentation against the lines above)';
  return new ConfigError(msg, { file, line });
}

/**
 * A parsed YAML document's value (`doc.toJS()`), with the aliases it cannot resolve as a
 * ConfigError on the alias's line: the parser threw a ReferenceError (a stack trace, exit 1) for
 * an alias to an anchor not set before it (a typo, or the anchor below its use) and for aliases
 * that expand exponentially (its guard against "billion laughs"), and an alias inside the node it
 * names made a structure that holds itself, on which the readers recursed without end.
 */
export function yamlValue(doc: Document, lc: LineCounter, file: string): unknown {
  let bad: ConfigError | undefined;
  visit(doc, {
    Alias(_key, node, path) {
      const line = node.range ? lc.linePos(node.range[0]).line : undefined;
      const at = { file, ...(line !== undefined ? { line } : {}) };
      const source = node.resolve(doc);
      if (source === undefined) bad = new ConfigError(`invalid YAML: the alias *${node.source} names no anchor set before it (set &${node.source} on an earlier node, or check the spelling)`, at);
      else if (path.includes(source)) bad = new ConfigError(`invalid YAML: the alias *${node.source} is inside the node anchored &${node.source}, which would then contain itself`, at);
      return bad === undefined ? undefined : visit.BREAK;
    },
  });
  if (bad !== undefined) throw bad;
  try {
    return doc.toJS();
  } catch (e) {
    if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
    throw new ConfigError('invalid YAML: its aliases expand to too many copies (aliases of collections that hold aliases grow exponentially when read); write the repeated parts out, or alias fewer of them', { file });
  }
}
