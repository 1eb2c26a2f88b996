// workflow_inbox: events (approvals, revocations, ...) waiting for a workflow instance. Appended
// in the same transaction as whatever caused them, consumed once by the runtime; never deleted
// here, so what an instance received stays inspectable.
import type { Kysely } from 'kysely';
import { toIso, type Clock } from '../core/index.js';
import { RecordNotFound } from './errors.js';
import type { Schema } from './schema.js';
import type { Store } from './types.js';

export function inboxRepository(db: Kysely<Schema>, clock: Clock): Store['inbox'] {
  return {
    /** Returns the event's seq; seqs increase in append order and are never reused. */
    async append(instanceId, event) {
      const row = await db
        .insertInto('workflow_inbox')
        .values({ instance_id: instanceId, event: JSON.stringify(event), created_at: toIso(clock.now()) })
        .returning('seq')
        .executeTakeFirstOrThrow();
      return row.seq;
    },

    /** Unconsumed events of one instance, in append order. */
    async listPending(instanceId) {
      const rows = await db
        .selectFrom('workflow_inbox')
        .select(['seq', 'instance_id', 'event', 'created_at'])
        .where('instance_id', '=', instanceId)
        .where('consumed_at', 'is', null)
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({ ...row, event: JSON.parse(row.event) as unknown }));
    },

    /** Idempotent: consuming an event twice keeps the first consumed_at. */
    async markConsumed(seq) {
      const result = await db
        .updateTable('workflow_inbox')
        .set({ consumed_at: toIso(clock.now()) })
        .where('seq', '=', seq)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return;
      const exists = await db.selectFrom('workflow_inbox').select('seq').where('seq', '=', seq).executeTakeFirst();
      if (!exists) throw new RecordNotFound('inbox_event', String(seq));
    },
  };
}
