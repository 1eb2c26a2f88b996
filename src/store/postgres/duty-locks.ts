// Duty locks on PostgreSQL (see ../duty-locks.ts): session-level advisory locks in the 64-bit key
// space (apart from the (class, object) pairs of locks.ts), all on one dedicated connection. Its
// loss releases them on the server's side, so a lost connection marks every hold lost here too.
import pg from 'pg';
import type { DutyHold, DutyLocks } from '../duty-locks.js';

export function postgresDutyLocks(url: string, report: (message: string) => void): DutyLocks {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  /** Bumped when the connection is lost or closed: holds taken on an earlier one are gone. */
  let generation = 0;

  const connection = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'lease (duty locks)', keepAlive: true });
      const lost = (reason: string) => {
        if (client !== c) return;
        client = undefined;
        generation += 1;
        report(`lost the connection holding the duty locks: ${reason}`);
        void c.end().catch(() => undefined);
      };
      c.on('error', (err) => lost(err.message));
      c.on('end', () => lost('closed'));
      await c.connect();
      client = c;
      return c;
    })().finally(() => (connecting = undefined));
    return connecting;
  };

  const key = (name: string) => `lease-duty:${name}`;

  return {
    async tryHold(name) {
      const c = await connection();
      const { rows } = await c.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key(name)]);
      if (!rows[0]?.locked) return undefined;
      const taken = generation;
      let released = false;
      const hold: DutyHold = {
        get held() {
          return !released && taken === generation && client === c;
        },
        async release() {
          if (!hold.held) return;
          released = true;
          await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key(name)]).catch(() => undefined);
        },
      };
      return hold;
    },
    async close() {
      const c = client;
      client = undefined;
      generation += 1;
      await c?.end().catch(() => undefined);
    },
  };
}
