import { describe, expect, it } from 'vitest';
import { ADMIN, call } from './helpers.js';
import { spawnServe } from './fixtures/spawn-serve.js';

/**
 * `drs serve --scenario S --strategy LABEL`: the service runs the row drs serve-config exports,
 * without a file. agent-pipeline's `bfd/fcfs-blocking` caps web_search at 40 % of the CPUs
 * (0.4 × 48 = 19.2): its third 8-CPU request waits (202) though the cpu pool has room.
 */
const WEB_SEARCH = 'web-search-token-0123456789';

const serve = spawnServe;

describe('drs serve --scenario', () => {
  it("serves the row: the scenario's pools, its queue and quotas; tenants with a token set", async () => {
    const s = serve(['--scenario', 'scenarios/agent-pipeline.yaml', '--strategy', 'bfd/fcfs-blocking', '--port', '0'], { DRS_ADMIN_TOKEN: ADMIN, DRS_TOKEN_WEB_SEARCH: WEB_SEARCH });
    const url = await s.listening;
    try {
      expect(s.output().err).toContain("drs serve: serving row 'bfd/fcfs-blocking' of scenarios/agent-pipeline.yaml");
      expect(s.output().err).toContain("note: no token for tenant 'planner' (set DRS_TOKEN_PLANNER to give it one)");
      const pools = await call(url, 'GET', '/v1/pools', { token: ADMIN });
      expect((pools.body.pools as { name: string; nodes: { initial: number } }[]).map((p) => `${p.name}×${p.nodes.initial}`)).toEqual(['gpu×1', 'cpu×2']);
      const ask = (id: string) => call(url, 'POST', '/v1/allocations', { token: WEB_SEARCH, body: { id, pool: 'cpu', demand: { cpu: 8, memory: 8 } } });
      expect((await ask('a')).status).toBe(201);
      expect((await ask('b')).status).toBe(201);
      const third = await ask('c');
      expect(third.status).toBe(202); // over web_search's max share of cpu: it waits, as in the simulator
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exit).toBe(0);
  });
});
