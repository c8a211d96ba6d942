import { parentPort, workerData } from 'node:worker_threads';
import { CemPlayer, type CemEpisode, type CemPlayerInit } from './cem-pool.js';

/** Worker-thread entry of the CEM pool (cem-pool.ts): plays the weight vectors it is sent and posts the bounded slowdowns back. */
const port = parentPort;
if (port === null) throw new Error('src/learn/cem-thread is a worker-thread entry; it must not be imported');
const player = new CemPlayer(workerData as CemPlayerInit);
port.on('message', (msg: { id: number; thetas: number[][]; episodes: CemEpisode[] }) => {
  player.play(msg.thetas, msg.episodes).then(
    (result) => port.postMessage({ id: msg.id, result }),
    (e: unknown) => port.postMessage({ id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
