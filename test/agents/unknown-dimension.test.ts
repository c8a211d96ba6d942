import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from '../cli/helpers.js';

/*
 * An agent asking for a resource the scenario has no dimension for (a kOS registration's `gpu: 0`
 * under `dimensions: [cpu, memory]`) is refused as production's AgentScheduler refuses it. The
 * error named `trace.registry.agents[0].resources.gpu` in the scenario, with no line, also when
 * the fleet was in a file of its own (no `trace.registry` anywhere) and the key was written `gpu`.
 */
describe('an agent resource the scenario has no dimension for', () => {
  const scenario = (trace: string) => `name: agents\nhorizon: 1h\ndimensions: [cpu, memory]\npools:\n  - { name: cpu, capacity: { cpu: 16, memory: 64Gi }, nodes: 1, pricePerHour: 0.8 }\ntrace:\n  kind: agents\n  start: 2026-06-01T08:00:00Z\n${trace}strategies: [first-fit]\n`;
  const agent = "{ agent_id: a, cpu: 1, gpu: 0, schedule: { cron: '*/10 * * * *' }, duration: 1m }";

  it('inline: names the key as written, at its line in the scenario', async () => {
    const file = tmpFile('dim-inline.yaml', scenario(`  registry:\n    agents:\n      - ${agent}\n`));
    const r = await drs(['run', file, '--quiet']);
    expect([r.code, r.err]).toEqual([2, `drs run: ${file}:11, field 'trace.registry.agents[0].gpu': unknown resource 'gpu' (the scenario's dimensions: cpu, memory)\n`]);
  });

  it('in a fleet file: names that file, its line and the agent field', async () => {
    const fleet = tmpFile('dim-fleet.yaml', `agents:\n  - ${agent.replace('gpu: 0', 'resources: { tpu: 0 }')}\n`);
    const file = tmpFile('dim-file.yaml', scenario(`  file: ${fleet}\n`));
    const r = await drs(['run', file, '--quiet']);
    expect([r.code, r.err]).toEqual([2, `drs run: ${fleet}:2, field 'agents[0].resources.tpu': unknown resource 'tpu' (the scenario's dimensions: cpu, memory)\n`]);
  });
});
