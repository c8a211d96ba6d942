import { hostname } from 'node:os';
import pg from 'pg';
import { UserError } from '../core/errors.js';
import { shownUrl } from '../core/url.js';
import { ensurePgSchema, LEADER_LOCK_KEY, requireDurableCommits } from './pg-schema.js';

/**
 * Leader election over PostgreSQL: the leader is the replica whose session holds the advisory
 * lock LEADER_LOCK_KEY (`pg_try_advisory_lock`). The lock lives as long as that session: when
 * the leader dies (even by SIGKILL) its connection closes, the server drops the lock, and the
 * next standby that polls gets it. On taking the lead a replica increments `drs_leader.term`
 * (and records its address there, so standbys can point clients to it); every commit checks
 * the term (fencing, pg-schema.ts), so a deposed leader whose session was cut but which still
 * runs cannot write anything.
 *
 * If the lock session fails while leading, `onLost` fires: the replica must stop serving at
 * once (drs serve exits; its supervisor restarts it as a standby).
 */
export class PgLeadership {
  private leading = false;
  private stopped = false;
  private lostHandlers: ((why: string) => void)[] = [];

  private constructor(
    private readonly session: pg.Client,
    private readonly address: string,
  ) {
    const lost = (why: string): void => {
      if (!this.leading || this.stopped) return;
      this.leading = false;
      for (const f of this.lostHandlers) f(why);
    };
    session.on('error', (e) => lost(`the leader's database session failed: ${e.message}`));
    session.on('end', () => lost(`the leader's database session ended`));
  }

  /** Connect the session that will hold the lock, and make sure the schema exists. */
  static async connect(url: string, address: string): Promise<PgLeadership> {
    // pg reads a text that is not a URL as something else (`foo` became host 'base'): say so here.
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new UserError(`--postgres / postgres.url expects a postgres:// URL such as postgres://user@127.0.0.1:5432/drs, got '${shownUrl(url)}'`);
    const session = new pg.Client({ connectionString: url, keepAlive: true });
    try {
      await session.connect();
    } catch (e) {
      // A wrong URL, an unknown host, a server that is down or refuses the login: the user's to fix.
      throw new UserError(`cannot connect to PostgreSQL at ${shownUrl(url)} (--postgres / postgres.url): ${(e as Error).message}`);
    }
    try {
      await requireDurableCommits(session); // the term change is a write too
      await ensurePgSchema(session);
    } catch (e) {
      await session.end().catch(() => {});
      throw e;
    }
    return new PgLeadership(session, address);
  }

  /** The leader's address as recorded (null when nobody has led yet). */
  async leaderAddress(): Promise<string | null> {
    const r = await this.session.query<{ address: string | null }>('SELECT address FROM drs_leader WHERE id = 1');
    return r.rows[0]?.address ?? null;
  }

  /** One attempt to take the lead; resolves with the new term, or undefined if another replica leads. */
  async tryAcquire(): Promise<number | undefined> {
    const r = await this.session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK_KEY]);
    if (r.rows[0]?.ok !== true) return undefined;
    const t = await this.session.query<{ term: string }>(`UPDATE drs_leader SET term = term + 1, holder = $1, address = $2, since = now() WHERE id = 1 RETURNING term::text AS term`, [
      `${hostname()}:${process.pid}`,
      this.address,
    ]);
    this.leading = true;
    return Number(t.rows[0]?.term);
  }

  /**
   * Poll until this replica leads (every `pollMs`), calling `onStandby(leaderAddress)` after each
   * failed attempt. Rejects if `stop()` is called first.
   */
  async acquire(pollMs: number, onStandby: (leader: string | null) => void): Promise<number> {
    for (;;) {
      if (this.stopped) throw new Error('stopped before taking the lead');
      const term = await this.tryAcquire();
      if (term !== undefined) return term;
      onStandby(await this.leaderAddress());
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  onLost(fn: (why: string) => void): void {
    this.lostHandlers.push(fn);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Give up the lead (if held) and close the session. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.leading = false;
    await this.session.end().catch(() => {});
  }
}
