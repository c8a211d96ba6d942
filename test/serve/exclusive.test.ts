import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/scheduler/config.js';
import { ADMIN, ROOT, TEAM_A, TOKENS, call, listAll, spawnServer } from '../scheduler/helpers.js';

/**
 * Exclusive state, against real processes: a second `drs serve` on the SQLite file a running
 * one holds is refused at start (exit code 2, a message naming the file and the holder's pid)
 * and never touches the file; the first keeps serving, and the file stays intact.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-exclusive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLI_BOUND_MS = 60_000;

function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/scheduler/fixtures/serve-cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DRS_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // A bound on a process that must exit by itself (a hang shows as code null), not a wait: as
  // generous as spawnServer's start bound, since both pay the same start-up on a loaded machine.
  const timer = setTimeout(() => {
    err += `\n[test] no exit within ${CLI_BOUND_MS / 1000} s: killed`;
    child.kill('SIGKILL');
  }, CLI_BOUND_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    }),
  );
}

describe('one state file, one process', () => {
  it('refuses a second process on the same SQLite file, naming the file and the holder; the first is untouched', async () => {
    const stateFile = path.join(dir, 'state.sqlite');
    const config: ServeConfig = { tokens: TOKENS, stateFile, pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 1 }] };
    const first = await spawnServer(config);
    try {
      expect((await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'mine', units: 8 } })).status).toBe(201);
      const lock = JSON.parse(readFileSync(`${stateFile}.lock`, 'utf8')) as { pid: number };
      expect(lock.pid).toBe(first.child.pid);

      const second = await runCli(['--state', stateFile, '--port', '0']);
      expect(second.code, second.err).toBe(2);
      expect(second.out).not.toMatch(/listening/);
      expect(second.err).toContain(stateFile);
      expect(second.err).toContain(`process ${first.child.pid}`);
      expect(second.err).not.toMatch(/\n\s+at /); // a message, not a stack trace

      // The first still owns the node: no second copy of it was handed out, and it keeps serving.
      expect((await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'more', units: 1 } })).status).toBe(409);
      expect((await listAll(first.url, '/v1/allocations', TEAM_A)).map((a: { id: string }) => a.id)).toEqual(['mine']);
      expect((await call(first.url, 'DELETE', '/v1/allocations/mine', { token: TEAM_A })).status).toBe(200);
      expect((await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'again', units: 8 } })).status).toBe(201);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
    // A clean stop removed the lock; the file is intact and restores.
    expect(() => readFileSync(`${stateFile}.lock`)).toThrow();
    const db = new Database(stateFile, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const third = await spawnServer(config);
    try {
      expect((await listAll(third.url, '/v1/allocations', TEAM_A)).map((a: { id: string }) => a.id)).toEqual(['again']);
    } finally {
      third.child.kill('SIGTERM');
      await third.exited;
    }
  }, 180_000); // three process starts, each bounded by 50-60 s

  it('takes over the lock of a process that died (kill -9)', async () => {
    const stateFile = path.join(dir, 'stale.sqlite');
    const config: ServeConfig = { tokens: TOKENS, stateFile, pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 1 }] };
    const first = await spawnServer(config);
    expect((await call(first.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'kept', units: 2 } })).status).toBe(201);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(readFileSync(`${stateFile}.lock`, 'utf8')).toContain(`"pid":${first.child.pid}`);
    const second = await spawnServer(config);
    try {
      expect((await listAll(second.url, '/v1/allocations', TEAM_A)).map((a: { id: string }) => a.id)).toEqual(['kept']);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000);
});
