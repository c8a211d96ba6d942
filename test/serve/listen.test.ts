import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { startServer } from '../../src/scheduler/http.js';

const tokens = [{ token: 'admin-token-0123456789abcdef', admin: true }];

describe('drs serve: listening', () => {
  it('a port in use is a UserError naming the address and the flag, not a stack trace', async () => {
    const first = await startServer({ tokens, port: 0 });
    try {
      const e = await startServer({ tokens, port: first.port }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).location.field).toBe('port');
      expect((e as Error).message).toContain(`cannot listen on 127.0.0.1:${first.port}: the port is in use (another drs serve?); stop it or give another --port`);
    } finally {
      await first.close();
    }
  });
});
