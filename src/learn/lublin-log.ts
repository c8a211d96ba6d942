import { generateLublin99 } from '../traces/lublin99.js';
import type { BatchWorkload } from './sim-adapter.js';

/**
 * A training or validation log drawn from the Lublin–Feitelson model (`synthetic.model: lublin99`
 * in a CEM queue config; src/traces/lublin99.ts) for the machine of the config's own log: new queue
 * histories from the model a log like Lublin-1 was drawn from, instead of a resample of its few
 * training jobs. Nothing in it is calibrated on the log: the model's published constants, with
 * the machine size the only input. Jobs as the reference protocol reads a log without requested
 * times (requested = run), ids 1..jobs, indices 0..jobs−1.
 */
export function lublinLog(own: Pick<BatchWorkload, 'machine' | 'machineSource' | 'header'>, jobs: number, seed: string): BatchWorkload {
  const drawn = generateLublin99({ jobs, nodes: own.machine, seed });
  return {
    file: `Lublin–Feitelson model (${jobs} jobs, ${own.machine} nodes, one class, seed ${seed})`,
    header: own.header,
    machine: own.machine,
    machineSource: own.machineSource,
    jobs: drawn.map((j, index) => ({ index, id: j.id, submit: j.submit, run: j.run, requested: j.run, procs: j.procs, clamped: false })),
    dropped: 0,
    clamped: 0,
    unknownWidth: 0,
  };
}
