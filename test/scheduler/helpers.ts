import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ServeConfig } from '../../src/scheduler/config.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const ADMIN = 'admin-token-0123456789abcdef';
export const TEAM_A = 'team-a-token-0123456789abcdef';
export const TEAM_B = 'team-b-token-0123456789abcdef';

export const TOKENS: ServeConfig['tokens'] = [
  { token: ADMIN, admin: true },
  { token: TEAM_A, tenant: 'team-a' },
  { token: TEAM_B, tenant: 'team-b' },
];

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** One HTTP call: JSON in (or a raw string), JSON out (or text). */
export async function call(
  base: string,
  method: string,
  route: string,
  opts: { token?: string; body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${base}${route}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * How long a spawned service may take to listen. `node --import tsx` compiles the service on the
 * fly: on a loaded 2-core machine that took over 30 s in 4 of 30 runs of the failover test.
 */
const START_TIMEOUT_MS = 50_000;

/** Start the service in a child process (`node --import tsx`); resolves once it listens. */
export function spawnServer(config: ServeConfig): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/scheduler/fixtures/serve-child.ts')], {
    cwd: ROOT,
    env: { ...process.env, DRS_SERVE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS / 1000} s; stderr: ${err}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ url: m[1] as string, child, exited });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${err}`));
    });
  });
}

/** Every item of a paginated list endpoint (follows `nextCursor`; at most 1,000 pages). */
export async function listAll(base: string, route: string, token: string, key = 'allocations'): Promise<any[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out: unknown[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const sep = route.includes('?') ? '&' : '?';
    const r = await call(base, 'GET', `${route}${sep}limit=1000${cursor !== null ? `&cursor=${cursor}` : ''}`, { token });
    if (r.status !== 200) throw new Error(`GET ${route}: ${r.status} ${JSON.stringify(r.body)}`);
    out.push(...(r.body[key] as unknown[]));
    cursor = r.body.nextCursor as string | null;
    if (cursor === null) return out as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  throw new Error(`GET ${route}: more than 1,000 pages`);
}
