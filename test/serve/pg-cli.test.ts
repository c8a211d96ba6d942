import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ADMIN, ROOT, TEAM_A, call } from '../scheduler/helpers.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';
import { until } from './sse-client.js';

/**
 * `drs serve --postgres URL` as an operator runs it: the first replica leads, a second stands by
 * and points clients to the first; when the leader's database session is cut, the leader stops
 * serving and exits with code 3 (for its supervisor to restart it as a standby), and the standby
 * takes over.
 */
let db: FreshDatabase | undefined;

usePgDatabase('cli', 'the drs serve --postgres test', (d) => (db = d));

function serve(url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/scheduler/fixtures/serve-cli.ts'), '--port', '0', '--postgres', url], {
    cwd: ROOT,
    env: { ...process.env, DRS_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const io = { out: '', err: '' };
  child.stdout.on('data', (d: Buffer) => (io.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (io.err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exit.then(() => clearTimeout(timer));
  return { child, io, exit, url: () => /listening on (\S+)/.exec(io.out)?.[1] };
}

describe('drs serve --postgres', () => {
  it('leads, stands by, and exits with code 3 when its lead is cut; the standby takes over', async () => {
    if (db === undefined) return;
    const a = serve(db.url);
    await until(() => a.io.out.includes('leading (term 1;'), 30_000, 'the first replica to lead');
    const b = serve(db.url);
    try {
      await until(() => b.io.out.includes('as a standby'), 30_000, 'the second replica to stand by');
      const aUrl = a.url() as string;
      const bUrl = b.url() as string;
      expect((await call(aUrl, 'POST', '/v1/pools', { token: ADMIN, body: { name: 'p', capacity: { cpu: 4 }, nodes: 1 } })).status).toBe(201);
      expect((await call(bUrl, 'GET', '/v1/pools', { token: ADMIN })).body.error).toMatchObject({ code: 'not-leader', leader: aUrl });

      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      await admin.end();
      expect(await a.exit).toBe(3);
      expect(a.io.err).toContain('lost the lead');

      await until(() => b.io.out.includes('leading (term 2;'), 15_000, 'the standby to take over');
      expect(b.io.out).toContain('1 pool(s)');
      expect((await call(bUrl, 'POST', '/v1/allocations', { token: TEAM_A, body: { units: 1 } })).status).toBe(401); // TEAM_A is not configured here: only the admin token
      expect((await call(bUrl, 'POST', '/v1/allocations', { token: ADMIN, body: { pool: 'p', units: 4 } })).status).toBe(201);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await b.exit).toBe(0);
      await a.exit;
    }
  }, 120_000);
});
