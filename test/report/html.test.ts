import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { categoryColor, ciOption, PALETTE } from '../../src/report/charts.js';
import { escapeHtml, htmlReport, uniqueBest } from '../../src/report/html.js';
import { comparisonTable } from '../../src/report/table.js';
import { compareStrategies } from '../../src/sim/compare.js';
import { readFileSync } from 'node:fs';
import { drs, tmpFile } from '../cli/helpers.js';

const pool = (nodes: number) => [{ name: 'p', capacity: [4], nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }];

describe('HTML report', () => {
  it('prints a cost of 100,000 or more in whole units with separators, not as 1.94e+5', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, horizon: 3600,
      pools: [{ ...(pool(1)[0] as ReturnType<typeof pool>[number]), pricePerHour: 193_872.55 }],
      requests: () => [{ id: 'r', tenant: 't', arrival: 0, demand: [1], duration: 60, priority: 'medium' as const }],
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const row = comparisonTable(res).split('\n').find((l) => l.startsWith('ff')) ?? '';
    expect(row).toMatch(/ 193,873 +193,873 +0$/);
    expect(row).not.toContain('e+');
  });

  it('plots summary values without the last bits of floating-point sums: equal costs lie on one line, not spread over a 17-digit axis', () => {
    const o = ciOption({
      yName: '$',
      points: [
        { category: 'a', mean: 136.50000000000028, lo: null, hi: null, best: false },
        { category: 'b', mean: 136.49999999999974, lo: 136.49999999999912, hi: 136.50000000000006, best: false },
        { category: 'c', mean: 97.8123456789, lo: null, hi: null, best: true },
      ],
    });
    const [ci, mean] = o.series as { data: unknown[] }[];
    expect((mean as { data: { value: number[] }[] }).data.map((d) => d.value[1])).toEqual([136.5, 136.5, 97.81234568]);
    expect(ci?.data).toEqual([[1, 136.5, 136.5]]);
  });

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

  it('escapes a dimension name in the chart element ids too (a scenario\'s dimensions are free text: `id="util-g"><img onerror=...>` ran script when the report was opened)', async () => {
    const evil = 'g"><img src=x onerror=alert(1)>';
    const space = new ResourceSpace(['cpu', evil]);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, series: true,
      pools: [{ ...(pool(1)[0] as ReturnType<typeof pool>[number]), capacity: [4, 4] }],
      requests: () => [0, 1, 2].map((i) => ({ id: `r${i}`, tenant: 't', arrival: i, demand: [3, 1], duration: 5, priority: 'medium' as const })),
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const html = htmlReport(res, { title: 't' });
    // The markup outside the scripts (ECharts bundle, chart JSON, page script) holds no tag from the name.
    const markup = html.replace(/<script[^>]*>.*?<\/script>/gs, '');
    expect(markup).not.toContain('<img');
    // Each chart's element still carries the id its JSON spec names (getElementById decodes the attribute).
    const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const ids = [...markup.matchAll(/<div class="chart" id="([^"]*)"/g)].map((m) => unescape(m[1] as string));
    const specs = JSON.parse(/<script type="application\/json" id="drs-charts">(.*?)<\/script>/s.exec(html)?.[1] ?? '[]') as { id: string }[];
    expect(ids).toContain(`util-${evil}`);
    expect(ids).toEqual(specs.map((c) => c.id));
  });

  it('gives every chart its own element id, also for pools whose names differ only in punctuation ("gpu a", "gpu-a")', async () => {
    // The autoscaling charts were id'd by the pool name with [^a-zA-Z0-9] turned into '-': both
    // pools got scale-0-gpu-a, the second chart was drawn over the first and its own box stayed empty.
    const pool = (name: string) => `  - { name: "${name}", capacity: { cpu: 4, memory: 16Gi }, nodes: { min: 1, max: 4, initial: 1 }, pricePerHour: 1, boot: 1m }`;
    const scenario = tmpFile('two-pools.yaml', ['name: two', 'seed: 1', 'horizon: 30m', 'pools:', pool('gpu a'), pool('gpu-a'), 'trace:', '  kind: synthetic', '  horizon: 30m', '  arrival: { rate: 0.2 }', '  tenants: [{ name: t, weight: 1 }]', '  profiles:', '    - { name: w, weight: 1, demand: { cpu: 1, memory: 1Gi }, duration: { dist: exponential, mean: 60 } }', 'strategies:', '  - { name: first-fit, scaling: { policy: reactive } }', ''].join('\n'));
    const out = tmpFile('two-pools.html', '');
    expect((await drs(['run', scenario, '--quiet', '--html', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    const ids = [...html.matchAll(/<div class="chart" id="([^"]*)"/g)].map((m) => m[1]);
    expect(html).toContain('pool gpu a');
    expect(html).toContain('pool gpu-a');
    expect(ids.length).toBeGreaterThan(2);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows the table\'s expired note beside its warnings, once each, so the columns add up in the page too', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, series: true, horizon: 40, pools: pool(1),
      // x: its 30 s lease ends its 50 s of work (expired); y: still running at the 40 s horizon (unfinished)
      requests: () => [{ id: 'x', tenant: 't', arrival: 0, demand: [1], duration: 50, lease: 30, priority: 'medium' as const }, { id: 'y', tenant: 't', arrival: 0, demand: [1], duration: 100, priority: 'medium' as const }],
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const note = 'note: ff: 1 request(s) expired';
    expect(comparisonTable(res)).toContain(note);
    const html = htmlReport(res, { title: 't' });
    const count = (s: string): number => html.split(s).length - 1;
    expect(count(note)).toBe(1);
    expect(count('warning: ff: 1 of 2 requests')).toBe(1);
    expect(html).toMatch(/<div class="warn">[^<]*warning: ff[^<]*<br>note: ff: 1 request\(s\) expired/);
  });

  it('lists a failed strategy once (not again under the table)', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, pools: pool(1),
      requests: () => [{ id: 'x', tenant: 't', arrival: 0, demand: [1], duration: 5, priority: 'medium' as const }],
      strategies: [
        { label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() },
        { label: 'broken', allocator: () => { throw new Error('boom'); }, queue: () => fcfs() },
      ],
    });
    const html = htmlReport(res, { title: 't' });
    expect(html.split('boom').length - 1).toBe(1);
    expect(html).toContain('<h3>Failed strategies</h3>');
  });

  it('draws every strategy distinctly when there are more strategies than colours (12 here)', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, series: true, pools: pool(2),
      requests: () => [0, 1, 2, 3].map((i) => ({ id: `r${i}`, tenant: `t${i % 2}`, arrival: i, demand: [3], duration: 5, priority: 'medium' as const })),
      strategies: Array.from({ length: 12 }, (_, k) => ({ label: `s${k}`, allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() })),
    });
    const html = htmlReport(res, { title: 't' });
    const specs = JSON.parse(/<script type="application\/json" id="drs-charts">(.*?)<\/script>/s.exec(html)?.[1] ?? '[]') as { id: string; option: { series: { name: string; color?: string; itemStyle?: { color?: string; decal?: unknown }; lineStyle?: { type?: unknown } }[] } }[];
    // ECharts gives a series without a colour of its own PALETTE[its index mod 10].
    const look = (s: { color?: string; itemStyle?: { color?: string; decal?: unknown }; lineStyle?: { type?: unknown } }, i: number): string => JSON.stringify([s.itemStyle?.color ?? s.color ?? PALETTE[i % PALETTE.length], s.lineStyle?.type ?? 'solid', s.itemStyle?.decal ?? null]);
    const ids = ['util-cpu', 'queue', 'nodes', 'cost-rate', 'cdf-medium', 'tenant-share'];
    for (const id of ids) {
      const series = specs.find((c) => c.id === id)?.option.series ?? [];
      expect(series.length, id).toBe(id === 'nodes' ? 24 : 12);
      expect(new Set(series.map(look)).size, `${id}: distinct looks`).toBe(series.length);
    }
  });

  it('gives every tenant of a node timeline its own colour, beyond the ten of the palette (14 tenants here)', async () => {
    const space = new ResourceSpace(['cpu']);
    // One node of 4 cpu; 14 requests of 4 cpu, one per tenant, run one after another.
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, series: true, pools: pool(1),
      requests: () => Array.from({ length: 14 }, (_, i) => ({ id: `r${i}`, tenant: `t${String(i).padStart(2, '0')}`, arrival: 0, demand: [4], duration: 60, priority: 'medium' as const })),
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const html = htmlReport(res, { title: 't' });
    const specs = JSON.parse(/<script type="application\/json" id="drs-charts">(.*?)<\/script>/s.exec(html)?.[1] ?? '[]') as { id: string; option: { series: { name: string; data: unknown[]; drsColors?: string[]; drsNames?: string[]; itemStyle?: { color?: string } }[] } }[];
    const [bars, ...legend] = specs.find((c) => c.id === 'gantt-0')?.option.series ?? [];
    const tenants = Array.from({ length: 14 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    expect(bars?.drsNames).toEqual(tenants);
    expect(new Set(bars?.drsColors).size).toBe(14);
    expect(bars?.drsColors?.slice(0, 10)).toEqual(PALETTE);
    // The legend shows each tenant in the colour its bars are drawn with.
    expect(legend.map((s) => [s.name, s.itemStyle?.color])).toEqual(tenants.map((t, i) => [t, bars?.drsColors?.[i]]));
    // Bar of request r12 (tenant t12): its colour key is t12's index, not 12 mod 10.
    const r12 = (bars?.data as [number, number, number, number, string][]).find((b) => b[4].startsWith('r12 '));
    expect(r12?.[3]).toBe(12);
    expect(bars?.drsColors?.[12]).not.toBe(bars?.drsColors?.[2]);
    // Generated colours stay distinct well past any node timeline's tenants (≤ 400 requests).
    expect(new Set(Array.from({ length: 400 }, (_, i) => categoryColor(i))).size).toBe(400);
    for (let i = 0; i < 400; i++) expect(categoryColor(i)).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('shows SLA attainment by priority and rejections by code, the figures --json has', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, pools: pool(1),
      // a: high, starts at once (SLO met); b: high, waits 10 s behind a (SLO 5 s missed); c: low, waits 10 s (SLO 60 s met); w: never fits
      requests: () => [
        { id: 'a', tenant: 't', arrival: 0, demand: [4], duration: 10, priority: 'high' as const, sloWait: 5 },
        { id: 'b', tenant: 't', arrival: 0, demand: [2], duration: 10, priority: 'high' as const, sloWait: 5 },
        { id: 'c', tenant: 't', arrival: 0, demand: [2], duration: 10, priority: 'low' as const, sloWait: 60 },
        { id: 'w', tenant: 't', arrival: 0, demand: [5], duration: 10, priority: 'low' as const },
      ],
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const m = res.results[0]?.state === 'completed' ? res.results[0].metrics : undefined;
    expect(m?.sla.byPriority.high).toEqual({ withSlo: 2, met: 1, attainment: 0.5 });
    expect(m?.sla.byPriority.low).toEqual({ withSlo: 1, met: 1, attainment: 1 });
    expect(m?.rejectionsByCode['never-fits']).toBe(1);
    const html = htmlReport(res, { title: 't' });
    expect(html).toMatch(/<h3>SLA attainment by priority<\/h3><pre>strategy\s+high\s+low\n[- ]+\nff\s+50\.0% of 2\s+100\.0% of 1<\/pre>/);
    expect(html).toMatch(/<h3>Rejections by code<\/h3><pre>strategy\s+never-fits\n[- ]+\nff\s+1<\/pre>/);
    // The terminal table (drs run) shows the SLA breakdown under the one-line table too.
    expect(comparisonTable(res)).toMatch(/\n\nSLA attainment by priority \(met of those with an SLO\):\nstrategy\s+high\s+low\n[- ]+\nff\s+50\.0% of 2\s+100\.0% of 1(\n|$)/);
  });

  it('draws at most 20 tenants in the share chart, the largest, and says so', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, pools: pool(8),
      // 30 tenants; tenant u<i> holds one cpu for i + 1 seconds, so u29 has the largest share
      requests: () => Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, tenant: `u${i}`, arrival: 0, demand: [1], duration: i + 1, priority: 'medium' as const })),
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const html = htmlReport(res, { title: 't' });
    const specs = JSON.parse(/<script type="application\/json" id="drs-charts">(.*?)<\/script>/s.exec(html)?.[1] ?? '[]') as { id: string; option: { xAxis: { data: string[] } } }[];
    const cats = specs.find((c) => c.id === 'tenant-share')?.option.xAxis.data;
    expect(cats).toEqual(Array.from({ length: 20 }, (_, k) => `u${29 - k}`));
    expect(html).toContain('The 20 of 30 tenants with the largest share in any strategy.');
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

  it('says how many requests expired, which no column counts', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, pools: pool(1),
      requests: () => [{ id: 'x', tenant: 't', arrival: 0, demand: [1], duration: 50, lease: 30, priority: 'medium' as const }, { id: 'y', tenant: 't', arrival: 0, demand: [1], duration: 5, priority: 'medium' as const }],
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const t = comparisonTable(res);
    expect(t.split('\n')[2]).toMatch(/^ff\s+1\s+0\s+0\s/);
    expect(t).toContain('note: ff: 1 request(s) expired (a lease, a timeout or an agent crash ended them before the work was done)');
  });

  it('says why requests were rejected, by reason, which the rejected column does not', async () => {
    const space = new ResourceSpace(['cpu']);
    const res = await compareStrategies({
      scenario: 's', space, seed: 1, pools: pool(1),
      requests: () => [
        { id: 'wide', tenant: 't', arrival: 0, demand: [16], duration: 5, priority: 'medium' as const },
        { id: 'ok', tenant: 't', arrival: 0, demand: [1], duration: 5, priority: 'medium' as const },
      ],
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const t = comparisonTable(res);
    expect(t.split('\n')[2]).toMatch(/^ff\s+1\s+1\s+0\s/);
    expect(t).toContain('note: ff: 1 request(s) rejected: never-fits 1 (larger than any node of the pools it may use)');
    // None rejected: no note.
    const none = await compareStrategies({ scenario: 's', space, seed: 1, pools: pool(1), requests: () => [{ id: 'ok', tenant: 't', arrival: 0, demand: [1], duration: 5, priority: 'medium' as const }], strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }] });
    expect(comparisonTable(none)).not.toContain('rejected:');
  });

  it('shows the mean wait, which a request waiting days among hundreds that do not wait moves and the percentiles do not', async () => {
    const space = new ResourceSpace(['cpu']);
    const DAYS = 10 * 86_400;
    // One node of 4 cpu: a 3-cpu job runs 10 days; 199 one-cpu jobs each run 0.5 s and never wait;
    // a 4-cpu job arriving at t = 200 waits until the long job ends.
    const requests = [
      { id: 'long', tenant: 't', arrival: 0, demand: [3], duration: DAYS, priority: 'medium' as const },
      ...Array.from({ length: 199 }, (_, i) => ({ id: `s${i}`, tenant: 't', arrival: i + 1, demand: [1], duration: 0.5, priority: 'medium' as const })),
      { id: 'wide', tenant: 't', arrival: 200, demand: [4], duration: 1, priority: 'medium' as const },
    ];
    const res = await compareStrategies({ scenario: 's', space, seed: 1, pools: pool(1), requests: () => requests, strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }] });
    const [header, , row] = comparisonTable(res).split('\n') as [string, string, string];
    const cell = (name: string): string => row.split(/\s{2,}/)[header.split(/\s{2,}/).indexOf(name)] as string;
    expect(cell('wait p99')).toBe('0.0s');
    expect(cell('wait mean')).toBe(`${((DAYS - 200) / 201 / 3600).toFixed(1)}h`); // 1.2h
    expect(cell('wait mean')).toBe('1.2h');
  });
});
