import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlReport } from '../../src/report/html.js';
import { buildScenario } from '../../src/scenario/build.js';
import { readScenarioObject, validateScenarioObject } from '../../src/scenario/load.js';
import { compareStrategies } from '../../src/sim/compare.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { parsePath, setPath } from '../../src/sweep/spec.js';
import { DATA_ROOT, haveData } from '../support/data.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.DRS_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A shipped scenario, shortened by `set` (field path → value) so the test stays small. */
async function report(file: string, set: Record<string, unknown>, only: string[]): Promise<string> {
  const abs = path.join(ROOT, 'scenarios', file);
  let raw = await readScenarioObject(abs);
  for (const [p, v] of Object.entries(set)) raw = setPath(raw, parsePath(p, { file: abs, field: p }), v, { file: abs, field: p });
  const input = await buildScenario(validateScenarioObject(raw, abs), { file: abs, dataRoot: DATA_ROOT, only });
  const res = await compareStrategies({ ...input, series: true });
  return htmlReport(res, { title: `test: ${file}` });
}

let browser: Browser | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-report-'));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Open the report; fail on any console error or page error, or any chart that drew nothing. */
async function check(html: string, name: string): Promise<{ id: string; points: number; series: number; drawn: number }[]> {
  const file = path.join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  // Offline: the report must not fetch anything.
  await page.route(/^(?!file:)/, (route) => {
    errors.push(`network request: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-charts]', { timeout: 30_000 });
  const charts = await page.$$eval('.chart', (els) =>
    els.map((e) => ({ id: e.id, points: Number(e.getAttribute('data-points')), series: Number(e.getAttribute('data-series')), drawn: Number(e.getAttribute('data-drawn')) })),
  );
  await page.close();
  expect(errors).toEqual([]);
  for (const c of charts) {
    expect(c.points, `${name}: chart ${c.id} has no data`).toBeGreaterThan(0);
    expect(c.series, `${name}: chart ${c.id} has no series with data`).toBeGreaterThan(0);
    expect(c.drawn, `${name}: chart ${c.id} drew ${c.drawn} of ${c.series} series`).toBe(c.series);
  }
  return charts;
}

describe('HTML report in headless Chromium', () => {
  it('default scenario (10 minutes at a low rate, node failure inside): every chart draws, no console error', async () => {
    const html = await report('default.yaml', { horizon: '10m', 'trace.horizon': '10m', 'trace.arrival.rate': 0.6, 'failures.events[0].at': '4m', 'failures.events[0].repairAfter': '3m' }, ['first-fit', 'worst-fit']);
    expect(html).toContain('h100 failure');
    const charts = await check(html, 'default');
    const ids = charts.map((c) => c.id);
    for (const id of ['util-cpu', 'util-gpu', 'queue', 'nodes', 'cost-rate', 'tenant-share', 'gantt-0', 'gantt-1']) expect(ids).toContain(id);
    expect(ids.some((i) => i.startsWith('cdf-'))).toBe(true);
  }, 240_000);

  it('node timeline of 14 tenants: 14 bar colours (none repeats after the tenth) and the tenant written on each bar', async () => {
    const tenants = Array.from({ length: 14 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const res = await compareStrategies({
      scenario: 's', space: new ResourceSpace(['cpu']), seed: 1, series: true,
      pools: [{ name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }],
      requests: () => tenants.map((t, i) => ({ id: `r${i}`, tenant: t, arrival: 0, demand: [4], duration: 60, priority: 'medium' as const })),
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }],
    });
    const file = path.join(dir, 'tenants.html');
    writeFileSync(file, htmlReport(res, { title: 'tenants' }));
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-charts]', { timeout: 30_000 });
    // The bars are the shapes with the white outline; their labels the dark texts (the legend's are grey).
    const drawn = await page.$eval('#gantt-0 svg', (svg) => ({
      fills: [...svg.querySelectorAll('[stroke="#fff"]')].map((e) => e.getAttribute('fill')),
      texts: [...svg.querySelectorAll('text[fill="#111"]')].map((e) => e.textContent),
    }));
    await page.close();
    expect(drawn.fills.length).toBe(14);
    expect(new Set(drawn.fills).size).toBe(14);
    expect(drawn.texts).toEqual(tenants);
  }, 240_000);

  it.runIf(haveData('report chromium', 'timeseries/nab/nyc_taxi.csv'))('autoscaling scenario (3 days of the taxi series): scale charts draw demand and capacity', async () => {
    const html = await report('autoscale-nyc-taxi.yaml', { 'trace.length': '3d' }, ['static-mean', 'predictive']);
    expect(html).toContain('forecast (at the time it is for)'); // predictive exposes its forecast after two simulated days
    const charts = await check(html, 'autoscale');
    const scale = charts.filter((c) => c.id.startsWith('scale-'));
    expect(scale.length).toBe(2);
    // demand, provisioned, up (+ forecast and scale-action markers where the policy has them)
    for (const c of scale) expect(c.series).toBeGreaterThanOrEqual(3);
    expect(scale[1]?.series).toBeGreaterThanOrEqual(5);
  }, 240_000);
});
