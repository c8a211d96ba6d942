import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { classSloWait } from '../../src/scenario/serve-export.js';

/**
 * `drs serve-config` writes the SLO wait per class the simulator's requests carry (`classSloWait`):
 * the trace's class value first, the scenario's `sloWait` where the trace gives none (as
 * build.ts applies it), and says so when the trace sets it request by request.
 */
const scenario = (trace: string, extra = ''): string => `name: slo
dimensions: [cpu]
pools: [{ name: p, capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }]
trace:
${trace}
strategies: [first-fit]
${extra}`;

const slo = (text: string): ReturnType<typeof classSloWait> => classSloWait(parseScenario(text, 's.yaml'), 's.yaml');

describe('the SLO wait per class a scenario gives its requests', () => {
  it("synthetic: the trace's classes win over the scenario's sloWait, which fills the other classes", () => {
    const t = '  kind: synthetic\n  count: 5\n  arrival: { rate: 1 }\n  profiles: [{ name: j, demand: { cpu: 1 } }]\n  priorities: [{ priority: high, sloWait: 2s }, { priority: low }]';
    expect(slo(scenario(t, 'sloWait: { high: 9s, low: 5m, critical: 500ms }\n'))).toEqual({ byClass: { critical: 0.5, high: 2, low: 300 }, notCarried: [] });
    expect(slo(scenario(t))).toEqual({ byClass: { high: 2 }, notCarried: [] });
  });

  it("a preset's and the Azure reader's default classes (high, 2 s)", () => {
    expect(slo(scenario('  kind: synthetic\n  preset: azure-llm-calibrated\n  count: 5')).byClass).toEqual({ high: 2 });
    expect(slo(scenario('  kind: azure-llm\n  file: x.csv')).byClass).toEqual({ high: 2 });
    expect(slo(scenario('  kind: azure-llm\n  file: x.csv\n  priorities: [{ priority: low, sloWait: 1m }]')).byClass).toEqual({ low: 60 });    // The llm kind (other request logs) shares the Azure reader's classes.
    const llm = '  kind: llm\n  file: x.jsonl\n  columns: { arrival: t, context: i, generated: o }';
    expect(slo(scenario(llm)).byClass).toEqual({ high: 2 });
    expect(slo(scenario(`${llm}\n  priorities: [{ priority: low, sloWait: 1m }]`)).byClass).toEqual({ low: 60 });
  });

  it("alibaba-gpu's sloWait by class; swf has none", () => {
    expect(slo(scenario('  kind: alibaba-gpu\n  file: x.csv\n  sloWait: { medium: 10m }')).byClass).toEqual({ medium: 600 });
    expect(slo(scenario('  kind: swf\n  file: x.swf', 'sloWait: { medium: 1m }\n')).byClass).toEqual({ medium: 60 });
  });

  it('csv: defaults.sloWait is every class; an sloWait column is per request, so it is said', () => {
    const t = '  kind: csv\n  file: x.csv\n  columns: { arrival: t, duration: d, demand: { cpu: c }, sloWait: slo }\n  defaults: { sloWait: 3s }';
    const r = slo(scenario(t));
    expect(r.byClass).toEqual({ critical: 3, high: 3, medium: 3, low: 3, background: 3 });
    expect(r.notCarried).toEqual(["trace.columns.sloWait: the simulator read each request's SLO wait from column 'slo' (the class values written are the defaults.sloWait for rows without one); production requests give theirs as sloWaitMs"]);
  });
});
