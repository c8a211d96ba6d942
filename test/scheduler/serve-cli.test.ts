import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEAM_A, call } from './helpers.js';
import { spawnServe } from './fixtures/spawn-serve.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = spawnServe;

describe('drs serve (the CLI command)', () => {
  it('starts from a config file, restores its state file, and stops cleanly on SIGTERM', async () => {
    const cfg = path.join(dir, 'serve.yaml');
    writeFileSync(
      cfg,
      `tokens:\n  - { token: ${TEAM_A}, tenant: team-a }\nstateFile: state.sqlite\npools:\n  - { name: p, capacity: { cpu: 8, memory: 32Gi }, nodes: 2 }\n`,
    );
    const first = run(['--config', cfg, '--port', '0']);
    const url = await first.listening;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'kept', units: 2 } })).status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);

    const second = run(['--config', cfg, '--port', '0']);
    const url2 = await second.listening;
    expect(second.output().out).toContain('1 allocation(s), 0 queued request(s) restored');
    expect((await call(url2, 'GET', '/v1/allocations/kept', { token: TEAM_A })).status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  it('refuses to start without tokens, and names the bad config field', async () => {
    const none = run([]);
    expect(await none.exit).toBe(2);
    expect(none.output().err).toMatch(/no tokens configured/);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'tokens: []\nport: eighty\n');
    const b = run(['--config', bad]);
    expect(await b.exit).toBe(2);
    expect(b.output().err).toMatch(/bad\.yaml:2, field 'port'/);
    // A scaling option naming a pool the config lacks: the file, its line and the field, before anything starts.
    const typo = path.join(dir, 'typo.yaml');
    writeFileSync(typo, `tokens:\n  - { token: ${TEAM_A}, tenant: team-a }\npools:\n  - { name: p, capacity: { cpu: 8 }, nodes: 2 }\nscaling:\n  policy: reactive\n  options: { pools: [q] }\n`);
    const t = run(['--config', typo]);
    expect(await t.exit).toBe(2);
    expect(t.output().err).toContain(`typo.yaml:7, field 'scaling.options.pools[0]': unknown pool 'q' (pools: p)`);
    // With --state the store may hold the pool: the config leaves it to the scheduler, which checks what it restored.
    const stored = run(['--config', typo, '--state', path.join(dir, 'typo.db')]);
    expect(await stored.exit).toBe(2);
    expect(stored.output().err).not.toContain('typo.yaml:7');
    expect(stored.output().err).toContain(`field 'scaling.options.pools[0]': unknown pool 'q' (pools: p)`);
    const flag = run(['--port', 'x'], { DRS_ADMIN_TOKEN: 'a'.repeat(20) });
    expect(await flag.exit).toBe(2);
    expect(flag.output().err).toMatch(/--port/);
  });
});
