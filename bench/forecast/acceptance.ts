/**
 * Issue 15 acceptance table: on each series, `auto` against the best of statsmodels' Holt-Winters,
 * naive and seasonal naive (sMAPE), and whether auto's 80 % and 95 % intervals cover within
 * 5 points of nominal. Used by compare.ts; on its own it merges compare.ts JSON outputs:
 *
 *   npx tsx bench/forecast/acceptance.ts bench/results/forecast-compare-*.json
 */
import { readFileSync } from 'node:fs';

interface Scores {
  smape: number;
  coverage80: number | null;
  coverage95: number | null;
  winkler95: number | null;
  selected?: string;
}

export interface AcceptanceRow {
  series: string;
  statsmodels: number;
  seasonalNaiveSmape: number;
  ours: Record<string, Scores>;
}

const f = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? '-' : x.toFixed(d));

export function acceptanceTable(rows: readonly AcceptanceRow[]): string {
  const out = [
    '| series | statsmodels HW | naive | seasonal naive | best of the three | **auto** | auto wins | auto cov80 | auto cov95 | auto Winkler95 | calibrated (±5) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |',
  ];
  let wins = 0;
  let calibrated = 0;
  for (const r of rows) {
    const a = r.ours.auto as Scores;
    const naive = (r.ours.naive as Scores).smape;
    const sn = r.ours['seasonal-naive']?.smape ?? r.seasonalNaiveSmape;
    const base = Math.min(r.statsmodels, naive, sn);
    const win = a.smape < base;
    const cal = a.coverage80 !== null && a.coverage95 !== null && Math.abs(a.coverage80 - 80) <= 5 && Math.abs(a.coverage95 - 95) <= 5;
    if (win) wins++;
    if (cal) calibrated++;
    out.push(`| ${r.series} | ${f(r.statsmodels)} | ${f(naive)} | ${f(sn)} | ${f(base)} | **${f(a.smape)}** | ${win ? 'yes' : 'no'} | ${f(a.coverage80, 1)} | ${f(a.coverage95, 1)} | ${a.winkler95 === null ? '-' : a.winkler95.toPrecision(4)} | ${cal ? 'yes' : 'no'} |`);
  }
  out.push('', `auto beats the best of statsmodels HW, naive and seasonal naive on ${wins} of ${rows.length} series; its 80 % and 95 % intervals are within 5 points of nominal on ${calibrated} of ${rows.length}.`);
  return out.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  // Imported here: compare.ts imports this module for acceptanceTable.
  // (typed out so that a call to it ends the control flow for the type checker)
  const die: (message: string) => never = (await import('../usage.js')).die;
  if (process.argv.length <= 2) die('usage: npx tsx bench/forecast/acceptance.ts RESULTS.json... (outputs of bench/forecast/compare.ts --out)');
  const rows = process.argv.slice(2).flatMap((file) => {
    let data: { rows?: AcceptanceRow[] };
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as { rows?: AcceptanceRow[] };
    } catch (e) {
      if (e instanceof SyntaxError) die(`${file}: not JSON (${e.message})`);
      throw e;
    }
    if (!Array.isArray(data.rows)) die(`${file}: expected an output of bench/forecast/compare.ts ({ rows: [...] })`);
    const lacking = data.rows.find((r) => r.ours?.auto === undefined || r.ours.naive === undefined);
    if (lacking !== undefined) die(`${file}: series ${lacking.series} has no auto or naive scores (run bench/forecast/compare.ts with --models including naive and auto)`);
    return data.rows;
  });
  console.log(acceptanceTable(rows));
}
