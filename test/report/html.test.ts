import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { escapeHtml, htmlReport, uniqueBest } from '../../src/report/html.js';
import { comparisonTable } from '../../src/report/table.js';
import { compareStrategies } from '../../src/sim/compare.js';

const pool = (nodes: number) => [{ name: 'p', capacity: [4], nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }];

describe('HTML report', () => {
  it('escapes user text, inlines ECharts and works offline', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, series: true,
      pools: pool(1),
      requests: () => [0, 1, 2, 3].map((i) => ({ id: `r${i}`, tenant: 't', arrival: i, demand: [3], duration: 5, priority: 'medium' as const })),
      strategies: [{ label: '<first>', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const html = htmlReport(res, { title: 'A & B', description: '<script>x</script>' });
    expect(html).toContain('<title>A &amp; B</title>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&lt;first&gt;');
    expect(html).toContain('Apache License'); // the ECharts bundle itself, not a CDN link
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });

  it('marks a best value only when it beats the runner-up by more than 0.1 %', () => {
    expect(uniqueBest([0.99999, 0.99998, 0.99997], false)).toBeUndefined(); // Jain 1.000 all round: a tie
    expect(uniqueBest([136.494, 136.4975], true)).toBeUndefined();
    expect(uniqueBest([4.4, 8.8, 21.5], true)).toBe(0);
    expect(uniqueBest([0.93, 0.97, 0.96], false)).toBe(1);
    expect(uniqueBest([5, 5], true)).toBeUndefined();
    expect(uniqueBest([null, 3], true)).toBeUndefined();
  });
});

describe('run table', () => {
  it('shows unfinished requests and warns when work never started (no node up)', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, series: true, horizon: 100,
      pools: pool(0),
      requests: () => [0, 1, 2].map((i) => ({ id: `r${i}`, tenant: 't', arrival: i, demand: [1], duration: 5, priority: 'medium' as const })),
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const t = comparisonTable(res);
    expect(t.split('\n')[0]).toMatch(/done\s+rejected\s+unfinished/);
    expect(t.split('\n')[2]).toMatch(/^ff\s+0\s+0\s+3\s/);
    expect(t).toContain('warning: ff: 3 of 3 requests never started (no node was ever up');
  });
});
