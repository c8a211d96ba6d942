/**
 * The imitation probes' checks against production, run before any figure is printed: on the given
 * windows, this bench's simulator gives F1's bounded slowdown of the main simulator (replaySwfWindow),
 * and with a production scorer driving both, the feature rows recorded here equal, decision by
 * decision and bit for bit, those production's LearnedQueue computes, and the bounded slowdowns agree.
 */
import type { PolicyNet } from '../../src/core/policy-net.js';
import { classicPolicy, replaySwfWindow, type BatchJob } from '../../src/learn/sim-adapter.js';
import { LearnedQueue } from '../../src/queue/learned-queue.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import { play } from './play.js';
import { candidateFeatures, recordingChooser, studentChooser } from './sim.js';

/** Mean bounded slowdown of the whole window `js` on `nodes` nodes in the main simulator, no backfilling. */
export async function productionBsld(js: readonly BatchJob[], nodes: number, q: QueuePolicy): Promise<number> {
  return (await replaySwfWindow(js, 0, js.length, nodes, q)).boundedSlowdown;
}

/** Throws an Error saying what differs; `say` gets one line per window that holds. */
export async function checkAgainstProduction(windows: readonly (readonly BatchJob[])[], nodes: number, net: PolicyNet, F: number, say: (s: string) => void): Promise<void> {
  const rows = (s: Parameters<typeof candidateFeatures>[0], c: Parameters<typeof candidateFeatures>[1]): Float64Array => candidateFeatures(s, c, F);
  for (const [w, js] of windows.entries()) {
    const mine = play(js, nodes, () => 0, 'drive', rows).bsld;
    const main = await productionBsld(js, nodes, classicPolicy('f1', 'none'));
    if (Math.abs(mine - main) > 1e-12 * main) throw new Error(`F1 on window ${w}: this simulator ${mine}, the main one ${main}`);
    const ours: Float64Array[] = [];
    const theirs: Float64Array[] = [];
    const oursBsld = play(js, nodes, studentChooser(net, F, ours), 'drive', rows).bsld;
    const theirBsld = await productionBsld(js, nodes, new LearnedQueue(net, { chooser: recordingChooser(F, theirs) }));
    if (ours.length !== theirs.length) throw new Error(`window ${w}: ${ours.length} decisions recorded here, ${theirs.length} in production`);
    ours.forEach((x, d) => {
      const y = theirs[d] as Float64Array;
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) throw new Error(`window ${w}, decision ${d}: the features differ from production's`);
    });
    if (Math.abs(oursBsld - theirBsld) > 1e-12 * theirBsld) throw new Error(`${net.model.name} on window ${w}: here ${oursBsld}, production ${theirBsld}`);
    say(`window ${w}: F1 ${mine.toFixed(3)} = main; ${net.model.name} ${oursBsld.toFixed(3)} = production, ${ours.length} decisions with identical features`);
  }
}
