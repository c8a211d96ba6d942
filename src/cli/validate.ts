import path from 'node:path';
import { UserError } from '../core/errors.js';
import { buildScenario } from '../scenario/build.js';
import { loadScenario } from '../scenario/load.js';
import { parseFlags, resolveDataRoot } from './args.js';
import type { CliCommand } from './command.js';

const usage = `usage: drs validate <scenario.yaml>... [--data-dir DIR]

Checks each scenario (schema, units, strategy and policy names, pools) without running it.`;

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check scenario files without running them',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { 'data-dir': { type: 'string' } }, usage);
    if (positionals.length === 0) throw new UserError(`expected at least one scenario file\n${usage}`);
    for (const p of positionals) {
      const file = path.resolve(io.cwd, p);
      const sc = await loadScenario(file);
      const input = await buildScenario(sc, { file, dataRoot: resolveDataRoot(values['data-dir'], io.env, io.cwd) });
      io.out(`${p}: ok (${input.pools.length} pools, ${input.strategies.length} strategies: ${input.strategies.map((s) => s.label).join(', ')})`);
    }
    return 0;
  },
};
