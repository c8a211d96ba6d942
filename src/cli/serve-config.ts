import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, parse, visit } from 'yaml';
import { UserError } from '../core/errors.js';
import { parseServeConfig, type ServeConfig } from '../scheduler/config.js';
import { buildScenario } from '../scenario/build.js';
import { loadScenario } from '../scenario/load.js';
import { pickRow, refuseUnservable, serveExport, type ServeExport } from '../scenario/serve-export.js';
import { checkOutputFolders, writeWhole } from './output.js';
import { parseFlags, resolveDataRoot, seedFlag } from './args.js';
import type { CliCommand, CliIo } from './command.js';

const usage = `usage: drs serve-config <scenario.yaml> [--strategy LABEL] [--out FILE] [--seed S] [--data-dir DIR]

Writes the drs serve configuration that runs one row of a scenario's comparison in production:
the scenario's pools and that row's allocator (+ options), preemption, queue policy (+ options),
quotas and scaling policy, exactly as the simulator ran them, and the SLO wait of each priority
class its requests carried (docs/serve.md, "From a scenario to production"). The header says which scenario and row, what production adds, and what does not
carry over (trace, horizon, failures, ...). Tokens are read from environment variables
(DRS_ADMIN_TOKEN, DRS_TOKEN_<TENANT> per tenant the scenario names), never written.

  --strategy LABEL  the row, by the label drs run prints (best-fit-decreasing+preempt,
                    bfd/no-quotas); may be left out when the scenario has one strategy
  --out FILE        write the config to FILE (default: standard output)
  --seed S          the seed to write instead of the scenario's (as drs run --seed: the run you
                    chose the row on); randomised strategies and scaling policies fork from it
  --data-dir DIR    where real traces and node lists live (default: $DRS_DATA_DIR, else ../shared/data)

Then:  drs serve --config FILE   (or serve the row at once: drs serve --scenario S --strategy LABEL)`;

export interface ScenarioExport {
  readonly exported: ServeExport;
  /** The config file's text: the header comment, then the YAML. */
  readonly text: string;
  /** The scenario file, absolute. */
  readonly file: string;
}

/**
 * Load the scenario, build its pools as `drs run` does (a node list read and expanded), pick the
 * row and write its serve config; the text is checked to load with the serve-config loader before
 * it is returned (a config the service would refuse is a bug of the export, not the user's).
 */
export async function exportScenario(io: CliIo, given: string, label: string | undefined, dataDir: string | undefined, configDir: string | undefined, seed?: number | string): Promise<ScenarioExport> {
  const file = path.resolve(io.cwd, given);
  const loaded = await loadScenario(file);
  const sc = seed === undefined ? loaded : { ...loaded, seed };
  const row = pickRow(sc, label, file);
  refuseUnservable(sc, file); // before the build: a protocol's build reads its whole log
  const built = await buildScenario(sc, { file, dataRoot: resolveDataRoot(dataDir, io.env, io.cwd) });
  const exported = serveExport(sc, built.pools, built.space, row, { file, ...(configDir !== undefined ? { configDir } : {}) });
  const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  const command = ['drs serve-config', shellWord(given), ...(label !== undefined ? ['--strategy', shellWord(label)] : []), ...(seed !== undefined ? ['--seed', shellWord(String(seed))] : [])].join(' ');
  const text = `${header(exported, { scenario: sc.name, given, hash, command, seed: String(sc.seed) })}\n${yamlBody(exported.document)}`;
  const placeholders = Object.fromEntries(exported.tokenEnv.map((t, i) => [t.env, `placeholder-token-${String(i).padStart(4, '0')}`]));
  try {
    parseServeConfig(parse(text), '(exported config)', configDir ?? io.cwd, placeholders);
  } catch (e) {
    throw new Error(`drs serve-config: the config exported for row '${row.label}' does not load: ${(e as Error).message}`);
  }
  return { exported, text, file };
}

/**
 * The exported config as `drs serve --scenario` serves it: its tokens read from `env`; DRS_ADMIN_TOKEN
 * is required, a tenant's token is left out (and said on stderr) when its variable is not set.
 */
export function scenarioServeConfig(io: CliIo, x: ScenarioExport): ServeConfig {
  const admin = io.env.DRS_ADMIN_TOKEN;
  if (admin === undefined || admin.length < 16) throw new UserError(`--scenario: set DRS_ADMIN_TOKEN to an admin token of at least 16 characters (openssl rand -hex 24)${admin === undefined ? '' : `; it holds ${admin.length}`}`);
  const doc = parse(x.text) as Record<string, unknown>;
  const tokens = (doc.tokens as { tokenEnv: string; tenant?: string }[]).filter((t) => {
    if (t.tenant === undefined || io.env[t.tokenEnv] !== undefined) return true;
    io.err(`drs serve: note: no token for tenant '${t.tenant}' (set ${t.tokenEnv} to give it one)\n`);
    return false;
  });
  return parseServeConfig({ ...doc, tokens }, x.file, path.dirname(x.file), io.env);
}

export const serveConfigCommand: CliCommand = {
  name: 'serve-config',
  summary: "write the drs serve config that runs one row of a scenario's comparison in production",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { strategy: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, 'data-dir': { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UserError(`expected one scenario file, got ${positionals.length}\n${usage}`);
    const given = positionals[0] as string;
    if (values.out !== undefined) checkOutputFolders(io, { out: values.out }, [path.resolve(io.cwd, given)]);
    const out = values.out === undefined ? undefined : path.resolve(io.cwd, values.out);
    const x = await exportScenario(io, given, values.strategy, values['data-dir'], out === undefined ? undefined : path.dirname(out), seedFlag(values.seed));
    if (out === undefined) {
      io.out(x.text);
      return 0;
    }
    try {
      writeWhole(out, x.text);
    } catch (e) {
      throw new UserError(`cannot write --out file ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    io.err(`serve config for row '${x.exported.row.label}' written to ${out}; start it with: ${startLine(x.exported, values.out as string)}\n`);
    return 0;
  },
};

function startLine(x: ServeExport, file: string): string {
  return `export ${x.tokenEnv.map((t) => `${t.env}=$(openssl rand -hex 24)`).join(' ')}; drs serve --config ${shellWord(file)}`;
}

interface Provenance {
  readonly scenario: string;
  readonly given: string;
  readonly hash: string;
  readonly command: string;
  readonly seed: string;
}

/** The header comment: which scenario and row, how to start it, what production adds and what is left out. No date: the same inputs give the same file. */
function header(x: ServeExport, p: Provenance): string {
  const d = x.document;
  const q = d.queue as { policy: string; options?: unknown };
  const s = d.scaling as { policy: string } | undefined;
  const row = x.row;
  const ran = [
    `allocator ${row.name}${row.options !== undefined ? ' (options below)' : ''}`,
    `preemption ${row.preemption ? 'on' : 'off'}`,
    `queue ${q.policy}${q.options !== undefined ? ' (options below)' : ''}${row.queue.own ? " (the row's own)" : " (the scenario's)"}`,
    d.quotas === undefined ? (row.quotas === 'none' ? "no quotas (the row's quotas: none)" : 'no quotas') : `quotas of ${Object.keys((d.quotas as { tenants: object }).tenants).length} tenant(s)${row.quotas !== undefined ? " (the row's own)" : " (the scenario's)"}`,
    s === undefined ? 'no scaling' : `scaling ${s.policy}`,
  ];
  const lines = [
    `drs serve config for row '${row.label}' (strategies[${row.index}]) of scenario '${p.scenario}'`,
    `exported by: ${p.command}`,
    `scenario file: ${p.given} (sha256 ${p.hash}…), seed ${p.seed}`,
    `the simulator ran this row as: ${ran.join(', ')}`,
    '',
    'start with:',
    `  ${startLine(x, 'THIS_FILE')}`,
    '',
    'production only (no counterpart in the simulation):',
    ...x.productionOnly.map((l) => `  - ${l}`),
    'not carried over:',
    ...x.notCarried.map((l) => `  - ${l}`),
  ];
  return lines.map((l) => (l === '' ? '#' : `# ${commentSafe(l)}`)).join('\n');
}

/**
 * A header line as one comment line: labels, names and paths are the scenario author's text, and
 * a line break in one (`label: "x\nhost: 0.0.0.0"`) would end the comment and make the rest a line
 * of the config. Line breaks and other control characters are written as escapes (`\n`, `\u0007`).
 */
function commentSafe(line: string): string {
  return line.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** The document as YAML: small maps (capacity, nodes, labels, shares, tokens) on one line each. */
function yamlBody(document: Record<string, unknown>): string {
  const doc = new Document(document);
  const FLOW = new Set(['capacity', 'nodes', 'labels', 'gpus', 'guaranteed', 'max', 'options']);
  visit(doc, {
    Pair(_k, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const key = String(pair.key.value);
      if ((FLOW.has(key) && isMap(pair.value)) || (key === 'dimensions' && isSeq(pair.value))) (pair.value as { flow: boolean }).flow = true;
    },
    Map(_k, map, p) {
      const parent = p[p.length - 1];
      const grand = p[p.length - 2];
      if (isPair(grand) && isScalar(grand.key) && grand.key.value === 'tokens' && parent !== undefined) map.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** A word as a shell reads it back: quoted when it holds anything but safe characters. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=+#@-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
