/**
 * Benchmark figure: LSTM training time on a 4,000-point series (default LSTM settings:
 * window 24, horizon 12, 16 units, 8 epochs, batch 64) on the default TensorFlow.js backend
 * (WASM unless @tensorflow/tfjs-node is installed or DRS_TF_BACKEND says otherwise).
 *
 *   npx tsx bench/forecast/lstm-train.ts [--series nab/ec2_cpu_utilization_5f5533.csv] [--points 4000]
 *
 * Uses the first N points of a real NAB series when the data root is present, else a seeded
 * synthetic daily-seasonal series of the same length. Prints the seconds.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LstmForecaster, loadTf, readSeriesCsv } from '../../src/predict/index.js';
import { Rng } from '../../src/core/rng.js';
import { dataRoot } from './protocol.js';
import { die, intArg } from '../usage.js';

const { values: opts } = parseArgs({
  options: { series: { type: 'string' }, points: { type: 'string', default: '4000' } },
  strict: true,
});
const n = intArg('--points', opts.points, 100);
const file = path.join(dataRoot(), opts.series ?? 'timeseries/nab/ec2_cpu_utilization_5f5533.csv');
// The synthetic stand-in is for a machine without the data; a series the user named must exist.
if (opts.series !== undefined && !existsSync(file)) die(`--series: ${file} not found (a path under the data root ${dataRoot()})`);
let values: number[];
let source: string;
if (existsSync(file)) {
  values = (await readSeriesCsv(file)).values.slice(0, n);
  source = file;
} else {
  const rng = new Rng(1);
  values = Array.from({ length: n }, (_, t) => 50 + 20 * Math.sin((2 * Math.PI * t) / 288) + rng.normal(0, 3));
  source = 'synthetic (data root absent)';
}
const { backend } = await loadTf();
const model = new LstmForecaster({ season: 288, seed: 42 });
const t0 = performance.now();
const c0 = process.cpuUsage();
await model.fit(values);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
console.log(`LSTM training on ${values.length} points (${source}), backend ${backend}: ${seconds.toFixed(1)} s wall (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU)`);
console.log(`first forecasts: ${model.forecast(3).point.map((v) => v.toFixed(2)).join(', ')}`);
