import path from 'node:path';
import { UserError } from '../core/errors.js';
import { htmlReport } from '../report/html.js';
import { EventsWriter, eventsFormatOf, type EventsFormat } from '../report/events.js';
import { toJson } from '../report/json.js';
import { Progress } from '../report/progress.js';
import { comparisonTable } from '../report/table.js';
import { buildScenario } from '../scenario/build.js';
import { loadScenario } from '../scenario/load.js';
import { compareStrategies } from '../sim/compare.js';
import type { EventLog } from '../sim/log.js';
import { traceStatsNotes } from '../traces/trace-stats.js';
import { runProgress } from './run-progress.js';
import { listFlag, parseFlags, refuseRepeats, resolveDataRoot, seedFlag } from './args.js';
import { checkOutputFolders, saveOutput } from './output.js';
import { heapGuard } from './heap-guard.js';
import type { CliCommand } from './command.js';

const usage = `usage: drs run <scenario.yaml> [options]

Runs every strategy listed in the scenario on the same trace and seed and prints one comparison.

options:
  --json FILE          also write the full results (every metric of every strategy) as JSON
  --html FILE          also write a self-contained HTML report with charts
  --events FILE        also write every request's life (arrive, start with pool and node,
                       complete, preempt, expire, reject with its code, unfinished), one row per
                       event and strategy: CSV for FILE.csv, JSON lines for FILE.jsonl
  --seed S             override the scenario's seed: an integer, read as the scenario file
                       reads one (07 and 7.0 are seed 7), or a word
  --strategies a,b     run only these strategies, each named by its label (first-fit+preempt),
                       its label's first part (first-fit: every label that starts with it) or
                       its allocator's name; a name that is not in the scenario adds that
                       strategy, written ALLOCATOR[+preempt][/QUEUE] (worst-fit+preempt,
                       learned:agent-fleet, first-fit/sjf), with the scenario's queue, scaling
                       and quotas
  --data-dir DIR       where real traces live (default: $DRS_DATA_DIR, else ../shared/data)
  --quiet              no progress output`;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run every strategy of a scenario and print a comparison',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      { json: { type: 'string' }, html: { type: 'string' }, events: { type: 'string' }, seed: { type: 'string' }, strategies: { type: 'string' }, 'data-dir': { type: 'string' }, quiet: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1) throw new UserError(`expected one scenario file, got ${positionals.length}\n${usage}`);
    const file = path.resolve(io.cwd, positionals[0] as string);
    const scenario = await loadScenario(file);
    const seed = seedFlag(values.seed);
    // A trace with its own seed keeps it (docs/scenarios.md): --seed then leaves the workload as it was, which the run must say.
    const traceSeed = (scenario.trace as { seed?: number | string }).seed;
    if (seed !== undefined && traceSeed !== undefined) {
      io.err(`note: --seed ${values.seed} does not change the workload: the scenario's trace has its own seed (trace.seed: ${JSON.stringify(traceSeed)}), which wins for the trace; --seed seeds only the rest of the run (strategies, failures, scaling). Remove trace.seed to draw the workload from the run's seed\n`);
    }
    const only = values.strategies === undefined ? undefined : listFlag(values.strategies, 'strategies');
    if (only !== undefined) refuseRepeats(only, 'strategies', 'each strategy runs once');
    // An empty list (`--strategies "$UNSET"`) would run every strategy, as if the flag were not given.
    if (only !== undefined && only.length === 0) throw new UserError(`--strategies needs at least one label, got '${values.strategies}'`, { field: 'strategies' });
    const input = await buildScenario(scenario, {
      file,
      dataRoot: resolveDataRoot(values['data-dir'], io.env, io.cwd),
      ...(seed !== undefined ? { seed } : {}),
      ...(only !== undefined ? { only, cwd: io.cwd } : {}),
    });
    // Check output folders before a possibly long run, not after it.
    const eventsFormat = values.events === undefined ? undefined : eventsFormatOf(values.events);
    if (values.events !== undefined && eventsFormat === undefined) throw new UserError(`--events ${values.events}: the file name must end in .csv or .jsonl (that picks the format)`, { field: 'events' });
    checkOutputFolders(io, { json: values.json, html: values.html, events: values.events }, [file, ...input.inputFiles]);
    const progress = new Progress(io.err, io.interactive);
    const n = input.strategies.length;
    const fraction = runProgress(n, input.horizon);
    const eventsFile = values.events === undefined ? undefined : path.resolve(io.cwd, values.events);
    let events: EventsWriter | undefined;
    try {
      events = eventsFile === undefined ? undefined : new EventsWriter(eventsFile, eventsFormat as EventsFormat);
    } catch (e) {
      throw new UserError(`cannot write --events file ${eventsFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const guard = heapGuard((i) => input.strategies[i]?.label ?? String(i));
    const result = await compareStrategies({
      ...input,
      ...(events !== undefined ? { onLog: (_i: number, label: string, log: EventLog) => events.add(label, log) } : {}),
      series: true, // for the HTML report and the never-started warning; left out of --json
      onProgress: (i: number, arrivals: number, now: number) => {
        guard(i, arrivals, now);
        if (values.quiet !== true) progress.update(`[${i + 1}/${n}] ${input.strategies[i]?.label}`, fraction(i, arrivals, now), `${arrivals} requests, t=${(now / 3600).toFixed(2)}h`);
      },
    }).catch((e: unknown) => {
      events?.abort();
      throw e;
    });
    progress.done(`all ${n} strateg${n === 1 ? 'y' : 'ies'} done`);
    if (events !== undefined) {
      events.close();
      io.err(`events written to ${eventsFile}\n`);
    }
    io.out(`scenario ${scenario.name} (seed ${result.seed})${scenario.description ? `: ${scenario.description.trim()}` : ''}\n`);
    if (input.episodes !== undefined) io.out(`${input.episodes.summary}\n`);
    io.out(comparisonTable(result));
    // What reading the trace left out or changed, by its documented rules: said, never silent.
    const stats = input.traceStats?.();
    for (const note of stats === undefined ? [] : traceStatsNotes(stats)) io.err(`note: ${note}\n`);
await saveOutput(io, 'json', values.json, () => toJson({ ...result, ...(stats !== undefined ? { trace: stats } : {}), results: result.results.map((r) => (r.state === 'completed' ? { ...r, series: undefined } : r)) }));
    await saveOutput(io, 'html', values.html, () => htmlReport(result, { title: `DRS: ${scenario.name}`, ...(scenario.description ? { description: scenario.description } : {}) }));
    return result.results.some((r) => r.state === 'failed') ? 1 : 0;
  },
};
