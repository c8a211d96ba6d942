import { spawn } from 'node:child_process';
import path from 'node:path';

/** A `drs serve` child process started by a bench. */
export interface ServeChild {
  /** The URL it listens on (printed as `LISTENING URL`). */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then wait for it to exit. */
  stop(): Promise<void>;
}

/**
 * Start the service of checkout `root` (its TypeScript source, `test/scheduler/fixtures/serve-child.ts`)
 * with `config` (a serve config object) and resolve once it listens, or once `ready(stdout so far)`
 * holds too (a PostgreSQL replica listens as a standby until it prints `LEADING`). Rejects if the
 * child exits first. One copy for the serve benches (it was written into three of them).
 */
export function startServeChild(root: string, config: object, ready: (out: string) => boolean = () => true): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/scheduler/fixtures/serve-child.ts')], {
    cwd: root,
    env: { ...process.env, DRS_SERVE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m !== null && ready(out)) {
        resolve({
          url: m[1] as string,
          pid: child.pid as number,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server (${root}) exited (${code}) before listening`)));
  });
}
