import { spawnSync } from 'node:child_process';
import net from 'node:net';

export const REDIS_URL = process.env.DRS_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function ping(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 6379), u.hostname);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * The real Redis server the queue tests talk to: the one running at REDIS_URL, else one started
 * here with the machine's redis-server (Debian package), as `.ci/run` does.
 */
export async function ensureRedis(): Promise<void> {
  if (await ping(REDIS_URL)) return;
  const u = new URL(REDIS_URL);
  const r = spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', u.port || '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) throw new Error(`Redis is not running at ${REDIS_URL} and redis-server could not start it: ${r.error?.message ?? r.stderr}`);
  for (let i = 0; i < 50; i++) {
    if (await ping(REDIS_URL)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`redis-server started but ${REDIS_URL} does not answer`);
}
