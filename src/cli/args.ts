import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
import path from 'node:path';
import { parse as parseYamlScalar } from 'yaml';
import { UserError } from '../core/errors.js';
import { suggest } from '../core/suggest.js';

export { editDistance, suggest } from '../core/suggest.js';

/**
 * `--seed -3` read as `--seed=-3`. Node's parser takes a value that starts with '-' for another
 * option and stops ("argument is ambiguous"); after a flag that takes a value, a negative number
 * is that value (a range check then names the flag, as for any other bad number).
 */
export function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const long = /^--([^=]+)$/.exec(a)?.[1];
    const short = /^-([^-])$/.exec(a)?.[1];
    const name = long ?? (short === undefined ? undefined : Object.keys(options).find((k) => options[k]?.short === short));
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** The command name for messages: "drs NAME" at the start of the usage text, after any "usage: " (e.g. "drs run"). */
function commandOf(usage: string): string {
  return /^\s*(?:usage:\s+)?(drs\s+\S+)/i.exec(usage)?.[1] ?? 'drs';
}

/**
 * Strict flag parsing. An unknown flag is a one-line UserError with the nearest known flag
 * ("Unknown option '--jsn' (did you mean --json?); see drs run --help"); a missing value names
 * the flag; a flag given twice (`--seed 1 --seed 2`) is refused rather than the first silently
 * dropped.
 */
export function parseFlags<T extends Options>(argv: string[], options: T, usage: string): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const help = `see ${commandOf(usage)} --help`;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const given = /option '([^']+)'/.exec((e as Error).message)?.[1] ?? argv.find((a) => a.startsWith('-')) ?? '';
      const name = given.replace(/^-+/, '').split('=')[0] as string;
      const near = suggest(name, Object.keys(options));
      throw new UserError(`Unknown option '${given}'${near !== undefined ? ` (did you mean --${near}?)` : ''}; ${help}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UserError(`${(e as Error).message.split('\n')[0]}; ${help}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UserError(`${(e as Error).message.split('\n')[0]}; ${help}`);
    throw new UserError(`${(e as Error).message}\n${usage}`);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || options[t.name]?.multiple === true) continue;
    if (seen.has(t.name)) throw new UserError(`--${t.name} is given more than once; give it once (see ${commandOf(usage)} --help)`, { field: t.name });
    seen.add(t.name);
  }
  const { tokens: _tokens, ...rest } = parsed;
  return rest as ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;
}

/**
 * A flag that must be a number in a range; names the flag in the error. An integer must also be
 * exact: one beyond 2^53 − 1 (9007199254740993) would be silently rounded to a neighbour.
 */
export function numberFlag(value: string | undefined, flag: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  // Number('') and Number('  ') are 0: an empty `--port "$UNSET"` would silently mean 0.
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || (opts.integer === true && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UserError(`--${flag} expects ${opts.integer === true ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, got '${value}'`);
  }
  if (opts.integer === true && !Number.isSafeInteger(n)) {
    const range = opts.min !== undefined ? `≥ ${opts.min} and at most ${Number.MAX_SAFE_INTEGER}` : `between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
    throw new UserError(`--${flag} expects an integer ${range} (beyond, it would be rounded), got '${value}'`);
  }
  return n;
}

/**
 * A comma-list flag's entries, trimmed (`--strategies a,b`). An empty entry (`a,`, `a,,b`, `,a`)
 * is refused, naming the flag, the list and the entry, rather than dropped: it is most often a
 * name lost to an unset shell variable. A list with no entry at all (`''`, `' , '`) is [], so each
 * caller says what it needs at least one of.
 */
export function listFlag(value: string, flag: string, field: string = flag): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) return [];
  const at = items.indexOf('');
  if (at >= 0) throw new UserError(`--${flag} has an empty entry (entry ${at + 1} of '${value}'): separate the entries with single commas, with none at either end`, { field });
  return items;
}

/** A comma list's entry given twice (`--strategies a,a` would run a once) is refused, saying `why`. */
export function refuseRepeats(items: readonly string[], flag: string, why: string, field: string = flag): void {
  const again = items.find((s, i) => items.indexOf(s) !== i);
  if (again !== undefined) throw new UserError(`--${flag} lists '${again}' twice (${why})`, { field });
}

/**
 * A `--seed` as a scenario file reads `seed: VALUE`, so one seed draws the same run (or log)
 * whichever way it is given: a YAML integer (`7`, `07`, `+7`, `7.0`, `1e3`, `0x1F`) is that
 * integer (`07` is seed 7); anything else is the word as written (`abc`, and `7.5`, which a file
 * has to quote). An empty value or one with spaces is refused. Seeds reach the generators as text (`String(seed)`), so 7 and '7' are one seed.
 */
export function seedFlag(value: string | undefined, flag = 'seed'): number | string | undefined {
  if (value === undefined) return undefined;
  // An empty `--seed "$UNSET"` would silently run seed '' (not the scenario's seed); a seed is
  // one word, as it is written into notes and commands that redraw a run.
  if (!/^\S+$/.test(value)) throw new UserError(`--${flag} must be a non-empty word without spaces (e.g. 7), got '${value}'`, { field: flag });
  let read: unknown;
  try {
    read = parseYamlScalar(value);
  } catch {
    return value;
  }
  if (typeof read !== 'number' || !Number.isInteger(read)) return value;
  // Worded as every integer flag beyond 2^53 (numberFlag).
  if (!Number.isSafeInteger(read)) throw new UserError(`--${flag} expects an integer between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER} (beyond, it would be rounded), got '${value}'`);
  return read;
}

/**
 * The data root for real traces: `--data-dir`, else $DRS_DATA_DIR, else ../shared/data (relative
 * to the working directory). Scenarios name trace files relative to it.
 */
export function resolveDataRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return path.resolve(cwd, flag ?? env.DRS_DATA_DIR ?? '../shared/data');
}
