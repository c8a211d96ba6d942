/**
 * A scenario file around an agents trace, for CLI tests: one CPU pool, first-fit. `trace` is the
 * YAML under `trace:` after `kind: agents` (indented two spaces); its first line is line 7.
 */
export function agentsScenario(trace: string, horizon = '1h'): string {
  return `name: agents
horizon: ${horizon}
pools:
  - { name: cpu, capacity: { cpu: 16, memory: 64Gi }, nodes: 1, pricePerHour: 0.8 }
trace:
  kind: agents
${trace}strategies: [first-fit]
`;
}
