import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { escapeHtml, htmlReport } from '../../src/report/html.js';
import { compareStrategies } from '../../src/sim/compare.js';

describe('HTML report', () => {
  it('escapes user text and marks the best strategy per chart', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1,
      pools: [{ name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }],
      requests: () => [0, 1, 2, 3].map((i) => ({ id: `r${i}`, tenant: 't', arrival: i, demand: [3], duration: 5, priority: 'medium' as const })),
      strategies: [{ label: '<first>', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const html = htmlReport(res, { title: 'A & B', description: '<script>x</script>' });
    expect(html).toContain('<title>A &amp; B</title>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;first&gt;');
    expect((html.match(/class="bar best"/g) ?? []).length).toBeGreaterThan(0);
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });
});
