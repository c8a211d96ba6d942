import { GPU_POLICY_SUMMARIES } from '../algorithms/gpu/index.js';
import { ALLOCATORS } from '../algorithms/registry.js';
import { SCALING_POLICIES } from '../autoscale/registry.js';
import { QUEUE_POLICIES } from '../queue/registry.js';
import { TRACE_KINDS } from '../traces/registry.js';
import { renderTable } from '../report/table.js';
import { UserError } from '../core/errors.js';
import type { CliCommand } from './command.js';

const usage = `usage: drs list

Lists what a scenario may name: allocation strategies, queue policies, scaling policies, trace kinds;
and the GPU-sharing policies drs replay-openb --policies takes.`;

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'list strategies, queue, scaling and GPU-sharing policies, and trace kinds',
  usage,
  async run(argv, io) {
    // Nothing to choose here: an argument would be silently ignored, so it is refused.
    if (argv.length > 0) throw new UserError(`takes no arguments, got '${argv.join(' ')}'\n${usage}`);
    const section = (title: string, entries: Record<string, { summary: string }>): string =>
      `${title}\n${renderTable(['name', 'what it does'], Object.entries(entries).map(([k, v]) => [k, v.summary]), ['l', 'l'])}\n`;
    io.out(section('strategies (strategies: [...])', ALLOCATORS));
    io.out(section('queue policies (queue:)', QUEUE_POLICIES));
    io.out(section('scaling policies (scaling:)', SCALING_POLICIES));
    io.out(section('GPU-sharing policies (drs replay-openb --policies)', GPU_POLICY_SUMMARIES));
    io.out(section('trace kinds (trace: { kind })', { ...TRACE_KINDS, agents: { summary: 'an agent fleet (kOS-style registry and schedules) played by the production AgentScheduler on a virtual clock; see docs/agents.md' } }));
    return 0;
  },
};
