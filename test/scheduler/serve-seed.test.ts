import { describe, expect, it } from 'vitest';
import { parseServeConfig } from '../../src/scheduler/config.js';
import { createSchedulerFromConfig } from '../../src/scheduler/http/server.js';

/**
 * The serve config's `seed` reaches the scheduler: a randomised strategy (`random`) places the
 * same requests on the same nodes under one seed, and elsewhere under another (the service used
 * to seed every strategy with 1, whatever the scenario measured).
 */
async function nodesUnder(seed: number | undefined): Promise<string[]> {
  const raw = {
    tokens: [{ token: 'admin-token-0123456789', admin: true }],
    strategy: 'random',
    ...(seed === undefined ? {} : { seed }),
    pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: 16 }],
  };
  const s = await createSchedulerFromConfig(parseServeConfig(raw, 'serve.yaml', '.', {}));
  try {
    const out: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = s.allocate({ id: `r${i}`, tenant: 't', demand: { cpu: 4, memory: 1 } });
      out.push(r.status === 'allocated' ? String(r.allocation.node) : r.status);
    }
    return out;
  } finally {
    await s.shutdown();
  }
}

describe('serve config seed', () => {
  it('a randomised strategy follows the seed: the same under one seed, another under a different one; default 1', async () => {
    const a = await nodesUnder(42);
    expect(await nodesUnder(42)).toEqual(a);
    expect(await nodesUnder(7)).not.toEqual(a);
    expect(await nodesUnder(undefined)).toEqual(await nodesUnder(1));
  });
});
