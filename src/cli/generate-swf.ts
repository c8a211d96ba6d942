import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../core/errors.js';
import { gzipName } from '../core/compression.js';
import { writeFailure, writeFileWhole } from '../core/whole-file.js';
import { generateLublin99, lublin99Swf, type Lublin99Options } from '../traces/lublin99.js';
import { numberFlag, parseFlags, seedFlag } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { checkOutputFolders } from './output.js';

const USAGE = `usage: drs generate-swf --out FILE [options]

Draw a synthetic HPC job log from the Lublin–Feitelson workload model of rigid parallel jobs
(JPDC 2003; the model of the Lublin-1 log in the RLScheduler reference) and write it as an SWF
file that drs replay-swf and drs train read. Per job: a size (serial, power of two, or a
two-stage uniform log2 size up to the machine), a hyper-gamma log run time that grows with the
size, and gamma log inter-arrival times shaped by a daily cycle (busiest around 13:30).

Options:
  --out FILE        where to write the log (.gz: gzip-compressed), or - for standard output
  --jobs N          jobs to draw, at most 5000000 (default 10000)
  --nodes N         machine size in processors, 10 to 16777216 (32 or more with --typed;
                    default 256); the largest job size is N and the size distribution moves
                    with log2 N
  --seed S          seed, one word (default 1); the same seed gives the same log. An
                    integer is read as a scenario file reads one (07 and 7.0 are seed 7)
  --typed           two classes, interactive (queue 0) and batch (queue 1), each with its own
                    arrival stream and parameters, instead of the one-class model
  --start-hour H    hour of the day at time 0, in [0, 24), taken to the half hour (default 0,
                    midnight)
  --model NAME      the workload model: lublin99 (the only one, the default)
  -h, --help        this text

Example:
  drs generate-swf --jobs 10000 --nodes 256 --seed 7 --out lublin-7.swf
  drs replay-swf lublin-7.swf --policy f1 --backfill easy`;

const MAX_JOBS = 5_000_000;

function parse(argv: string[]): (Lublin99Options & { out: string }) | 'help' {
  const { values, positionals } = parseFlags(
    argv,
    {
      out: { type: 'string' },
      jobs: { type: 'string' },
      nodes: { type: 'string' },
      seed: { type: 'string' },
      typed: { type: 'boolean' },
      'start-hour': { type: 'string' },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help === true) return 'help';
  if (positionals.length > 0) throw new UserError(`drs generate-swf takes no file argument (got ${positionals.join(' ')}); name the output with --out FILE`);
  if (values.model !== undefined && values.model !== 'lublin99') throw new UserError(`unknown --model '${values.model}' (known: lublin99)`, { field: 'model' });
  if (values.out === undefined) throw new UserError(`missing --out FILE (or --out - for standard output)\n${USAGE}`, { field: 'out' });
  // The seed is written into the log's '; Note:' line as the command that redraws it, so it must
  // be one word: seedFlag refuses an empty --seed "$UNSET" (it would note an unusable command).
  const seed = seedFlag(values.seed) ?? 1;
  const startHour = numberFlag(values['start-hour'], 'start-hour', { min: 0 }) ?? 0;
  if (startHour >= 24) throw new UserError(`--start-hour must be a number in [0, 24), got '${values['start-hour']}'`, { field: 'start-hour' });
  return {
    out: values.out,
    jobs: numberFlag(values.jobs, 'jobs', { min: 1, integer: true }) ?? 10000,
    nodes: numberFlag(values.nodes, 'nodes', { min: 1, integer: true }) ?? 256,
    seed,
    typed: values.typed === true,
    startHour,
  };
}

export const generateSwfCommand: CliCommand = {
  name: 'generate-swf',
  summary: 'draw a synthetic SWF job log from the Lublin–Feitelson workload model',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const p = parse(argv);
    if (p === 'help') {
      io.out(USAGE);
      return 0;
    }
    // The log is built as one string, and a string holds at most about 8.6 million job lines.
    if (p.jobs > MAX_JOBS) throw new UserError(`--jobs is at most ${MAX_JOBS} (the log is written in one piece), got ${p.jobs}; draw several logs with other seeds instead`, { field: 'jobs' });
    // A folder that does not exist, or a folder given as the file, is refused before the log is
    // drawn (5,000,000 jobs take a minute), not when it is written.
    if (p.out !== '-') checkOutputFolders(io, { out: p.out });
    const jobs = generateLublin99(p);
    const text = lublin99Swf(jobs, p);
    if (p.out === '-') {
      io.out(text.trimEnd());
      return 0;
    }
    const path = resolve(io.cwd, p.out);
    const data = gzipName(path) ? gzipSync(text) : text;
    // Whole or not at all: a write that fails part-way (a full disk) or a run that is stopped
    // leaves the previous log as it was, never its first part under the log's name.
    try {
      writeFileWhole(path, data, { inPlaceWhenRefused: true });
    } catch (e) {
      throw new UserError(`cannot write the log: ${writeFailure(e)}`, { file: path });
    }
    const days = ((jobs[jobs.length - 1]?.submit ?? 0) - (jobs[0]?.submit ?? 0)) / 86400;
    const work = jobs.reduce((a, j) => a + j.run * j.procs, 0);
    io.err(`drs generate-swf: ${jobs.length} jobs over ${days.toFixed(1)} days on ${p.nodes} processors (offered load ${(work / Math.max(1, days * 86400) / p.nodes).toFixed(2)}), seed ${p.seed} → ${path}\n`);
    return 0;
  },
};
