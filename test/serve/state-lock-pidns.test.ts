import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateLock } from '../../src/scheduler/state-lock.js';
import { ROOT } from '../scheduler/helpers.js';

/**
 * Two containers sharing the state volume with the same hostname (`--network host` gives both the
 * host's; or one `hostname:` set on two replicas), each running drs serve as pid 1. The second
 * found a lock naming its own pid and host that it had not taken, judged it a dead predecessor's
 * (a restarted container's), broke it while the first still ran, and both wrote one state file.
 * Each container has its own pid namespace: a lock now names it (`pidns`, /proc/self/ns/pid), the
 * pid is judged only within one's own namespace, and a lock of another namespace on this host,
 * whose process cannot be seen from here, is live while its holder refreshes it (every second)
 * and stale once unchanged for 10 s (a container restarted after kill -9 comes back then).
 */
const ns = ((): string | undefined => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
})();
const dir = mkdtempSync(path.join(tmpdir(), 'drs-lock-pidns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ago = (file: string, seconds: number): void => {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(file, t, t);
};
const lockText = (pidns: string | undefined): string => JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-12-07T00:00:00.000Z', ...(pidns !== undefined ? { pidns } : {}) });

describe.skipIf(ns === undefined)('StateLock across pid namespaces on one host', () => {
  it('names its pid namespace in the lock', () => {
    const file = path.join(dir, 'own.db');
    const lock = StateLock.acquire(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), pidns: ns });
    lock.release();
  });

  it("respects a fresh lock of our pid and host from another pid namespace (a twin container's)", () => {
    const file = path.join(dir, 'twin.db');
    writeFileSync(`${file}.lock`, lockText('pid:[1]'));
    expect(() => StateLock.acquire(file)).toThrow(
      `state file ${file} is in use by process ${process.pid} of another pid namespace on this host (pid:[1]: another container) (since 2026-12-07T00:00:00.000Z; lock file ${path.resolve(`${file}.lock`)}). ` +
        'Stop that process first; a lock its holder no longer refreshes is taken over once unchanged for 10 s.',
    );
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(lockText('pid:[1]'));
  });

  it('takes over such a lock once unchanged for 10 s (a container restarted after kill -9)', () => {
    const file = path.join(dir, 'restarted.db');
    writeFileSync(`${file}.lock`, lockText('pid:[1]'));
    ago(`${file}.lock`, 11);
    const lock = StateLock.acquire(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pidns).toBe(ns);
    lock.release();
  });

  it('takes over at once a lock of our pid in our own namespace that this process did not take (a restart within the container)', () => {
    const file = path.join(dir, 'same-ns.db');
    writeFileSync(`${file}.lock`, lockText(ns));
    StateLock.acquire(file).release();
  });

  it('a lock without a namespace (written by an older drs) is judged as before: our pid, not taken here, is stale', () => {
    const file = path.join(dir, 'old.db');
    writeFileSync(`${file}.lock`, lockText(undefined));
    StateLock.acquire(file).release();
  });

  it('the holder refreshes its lock, so another namespace never finds it unchanged for 10 s', async () => {
    const file = path.join(dir, 'held.db');
    const lock = StateLock.acquire(file);
    try {
      ago(`${file}.lock`, 60);
      const deadline = Date.now() + 20_000;
      while (Date.now() - statSync(`${file}.lock`).mtimeMs > 5000) {
        if (Date.now() > deadline) throw new Error('the lock was not refreshed within 20 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      lock.release();
    }
  });
});

/** Whether this machine lets us start a process in a new pid namespace (root, or user namespaces). */
const canUnshare = ((): boolean => {
  if (ns === undefined) return false;
  const r = spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true'], { timeout: 10_000 });
  return r.status === 0;
})();

/** A child holding (or refused) the lock of `file`, as pid 1 of a pid namespace of its own. */
async function container(file: string): Promise<{ line: string; child: ChildProcess }> {
  const child = spawn('unshare', ['-p', '-f', '--mount-proc', process.execPath, '--import', 'tsx', path.join(ROOT, 'test/serve/fixtures/state-lock-pidns-child.ts'), file], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const i = out.indexOf('\n');
      if (i >= 0) resolve(out.slice(0, i));
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before answering; stderr: ${err}`)));
  });
  return { line, child };
}

async function stop(child: ChildProcess, how: 'release' | 'crash'): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin?.write(`${how}\n`);
  await exited;
}

describe.skipIf(!canUnshare)('two containers, each pid 1 of its own namespace, one hostname, one volume', () => {
  it('the second is refused while the first runs, and takes over 10 s after the first died without releasing', async () => {
    const file = path.join(dir, 'containers.db');
    const a = await container(file);
    try {
      expect(a.line).toMatch(/^HELD 1 pid:\[\d+\]$/);
      const b = await container(file);
      expect(b.line).toMatch(/^REFUSED /);
      expect(b.line).toContain(`state file ${file} is in use by process 1 of another pid namespace on this host (${a.line.split(' ')[2]}: another container)`);
    } finally {
      await stop(a.child, 'crash');
    }
    // The lock is left behind: a restarted container (a new namespace) takes it over once it is 10 s old.
    ago(`${file}.lock`, 11);
    const c = await container(file);
    expect(c.line).toMatch(/^HELD 1 /);
    await stop(c.child, 'release');
  }, 120_000);
});
