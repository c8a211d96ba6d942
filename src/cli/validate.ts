import path from 'node:path';
import { UserError } from '../core/errors.js';
import { buildScenario } from '../scenario/build.js';
import { loadScenario } from '../scenario/load.js';
import { traceStatsNotes } from '../traces/trace-stats.js';
import { parseFlags, resolveDataRoot } from './args.js';
import type { CliCommand } from './command.js';
import { withYamlLine } from '../core/yaml-line.js';

const usage = `usage: drs validate <scenario.yaml>... [--full] [--data-dir DIR]

Checks each scenario without running it: schema, units, strategy and policy names, pools, and the
trace: block exactly as drs run reads it (its spec, its file, and the first 100 requests; all of
an agents trace, which is planned whole before its first request).

  --full   read every request of the trace, so that a bad record anywhere in the file (a
           malformed line, a duplicate id, an unsorted arrival, a truncated gzip) is found
           before a run reaches it; takes as long as reading the trace does`;

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check scenario files without running them',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { 'data-dir': { type: 'string' }, full: { type: 'boolean' } }, usage);
    if (positionals.length === 0) throw new UserError(`expected at least one scenario file\n${usage}`);
    // Every file is checked, a bad one reported and the next one checked too; exit 2 if any was bad.
    let bad = 0;
    for (const p of positionals) {
      try {
        await validateOne(p);
      } catch (e) {
        if (!(e instanceof UserError) || positionals.length === 1) throw e;
        io.err(`drs validate: ${(withYamlLine(e) as Error).message}\n`);
        bad++;
      }
    }
    if (bad > 0) io.err(`drs validate: ${bad} of ${positionals.length} files have errors\n`);
    return bad > 0 ? 2 : 0;

    async function validateOne(p: string): Promise<void> {
      const file = path.resolve(io.cwd, p);
      const sc = await loadScenario(file);
      const input = await buildScenario(sc, { file, dataRoot: resolveDataRoot(values['data-dir'], io.env, io.cwd) });
      // An agents trace is planned whole before its first request (and its count of triggered runs
      // that never became requests is the whole plan's): read it all, so that its note's counts are
      // of one set (reading the first 100 set all of a plan's 11 skips against 100 of its 122 requests).
      const planned = sc.trace.kind === 'agents';
      const seen = await readFirst(input.requests(), values.full === true || planned ? Infinity : 100);
      io.out(`${p}: ok (${input.pools.length} pool${input.pools.length === 1 ? '' : 's'}, ${input.strategies.length} strateg${input.strategies.length === 1 ? 'y' : 'ies'}: ${input.strategies.map((s) => s.label).join(', ')}; trace ${sc.trace.kind}: ${readClause(input.episodes !== undefined, values.full === true || planned, seen)}${planned ? ' (an agents trace is planned whole before its first request)' : ''})`);
      // Under the protocol the whole log was read: say what reading it changed, as drs run does.
      for (const line of (input.episodes?.summary ?? '').split('\n').filter((l) => l.startsWith('note: '))) io.out(`  ${line}`);
      // Otherwise what reading the part read skipped or adjusted by the trace's rules (was silent here).
      const stats = input.traceStats?.();
      for (const note of stats === undefined ? [] : traceStatsNotes(stats)) io.out(`  note: ${note}`);
    }
  },
};

/** What was read: under the protocol the build reads the whole log (its windows are cut from it), else the first requests or all. */
function readClause(protocol: boolean, full: boolean, seen: number): string {
  if (protocol) return 'the whole log read, as the protocol cuts its windows from it';
  return `${full ? 'all' : 'first'} ${seen} request${seen === 1 ? '' : 's'} read`;
}

/**
 * Open the workload the way drs run does and read its first `n` requests (a bad trace spec, a
 * missing file or a bad first line fails here, with the reader's own message), then close it.
 */
async function readFirst(stream: AsyncIterable<unknown> | Iterable<unknown>, n: number): Promise<number> {
  let count = 0;
  if (Symbol.asyncIterator in stream) {
    for await (const _r of stream) if (++count >= n) break;
  } else for (const _r of stream) if (++count >= n) break;
  return count;
}
