import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from '../cli/helpers.js';

/*
 * An agent of a fleet file (`trace.file`) that writes its resources under `resources:` was named
 * as if written kOS style (`agents[0].gpu`, a key the file does not have), at the agent's line,
 * not the line of the key: the key was looked up in `trace.registry`, which a fleet in a file of
 * its own does not have. Both checks that name a resource key are covered: the unknown dimension
 * and the agent that fits no node.
 */
describe('a resource key of an agent in a fleet file', () => {
  const scenario = (fleet: string) => `name: agents\nhorizon: 1h\ndimensions: [cpu, memory]\npools:\n  - { name: cpu, capacity: { cpu: 16, memory: 64Gi }, nodes: 1, pricePerHour: 0.8 }\ntrace:\n  kind: agents\n  start: 2026-06-01T08:00:00Z\n  file: ${fleet}\nstrategies: [first-fit]\n`;
  const fleetText = (resources: string) => `agents:\n  - agent_id: a\n    ${resources}\n    schedule: { cron: '*/10 * * * *' }\n    duration: 1m\n`;

  it('unknown dimension written under resources: names resources.gpu at its line', async () => {
    const fleet = tmpFile('wk-unknown-fleet.yaml', fleetText('resources: { cpu: 1, gpu: 0 }'));
    const file = tmpFile('wk-unknown.yaml', scenario(fleet));
    const r = await drs(['run', file, '--quiet']);
    expect([r.code, r.err]).toEqual([2, `drs run: ${fleet}:3, field 'agents[0].resources.gpu': unknown resource 'gpu' (the scenario's dimensions: cpu, memory)\n`]);
  });

  it('never fits, written under resources: names resources.cpu at its line', async () => {
    const fleet = tmpFile('wk-fits-fleet.yaml', fleetText('resources: { cpu: 99 }'));
    const file = tmpFile('wk-fits.yaml', scenario(fleet));
    const r = await drs(['run', file, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`drs run: ${fleet}:3, field 'agents[0].resources.cpu': agent 'a' never fits`);
  });

  it('kOS style (cpu at the agent) is still named as written', async () => {
    const fleet = tmpFile('wk-kos-fleet.yaml', fleetText('cpu: 99'));
    const file = tmpFile('wk-kos.yaml', scenario(fleet));
    const r = await drs(['run', file, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`drs run: ${fleet}:3, field 'agents[0].cpu': agent 'a' never fits`);
  });
});
