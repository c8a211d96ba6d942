import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResourceScheduler, SqliteStore } from '../../src/scheduler/index.js';

/**
 * kill -9 while the SQLite store's catch-up step holds and releases commits (sqlite-flush.ts,
 * CommitGate): a child process writes on a store whose checkpoint limit is small, prints every
 * id once it is acknowledged (durable), and kills itself with SIGKILL just after its fourth
 * catch-up started holding commits. Reopened, the file has every acknowledged allocation and no
 * id the child never sent (a gate that acknowledged a held commit before writing it fails here).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-sqlite-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = path.resolve(import.meta.dirname, '../..');

describe('SQLite group commit under kill -9 with the catch-up step running', () => {
  it('keeps every acknowledged allocation', async () => {
    const file = path.join(dir, 'kill.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/serve/fixtures/sqlite-writer-child.ts')], {
      cwd: ROOT,
      env: { ...process.env, DRS_TEST_STATE_FILE: file, DRS_TEST_KILL_AT_CATCH_UP: '4' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Set<string>();
    let catchUps = 0;
    let buffer = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const l of lines) {
        if (l.startsWith('ACK ')) acked.add(l.slice(4));
        else if (l.startsWith('CATCHUPS ')) catchUps = Number(l.slice(9));
      }
    });
    expect(await exited).toBe('SIGKILL');
    clearTimeout(guard);
    expect(catchUps).toBeGreaterThanOrEqual(4);
    const again = new ResourceScheduler({ store: new SqliteStore(file), timers: false });
    const ids = new Set(again.listAllocations().map((a) => a.id));
    again.close();
    const missing = [...acked].filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    for (const id of ids) expect(id).toMatch(/^k\d+-\d+$/);
    expect(ids.size).toBeGreaterThanOrEqual(acked.size);
  }, 90_000);
});
