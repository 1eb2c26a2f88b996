// grants: what each provider did for a request — enough to undo it. A row is active until
// revoked_at is set; the reconciler compares the active rows with what providers report.
import type { Kysely, Selectable } from 'kysely';
import { RecordNotFound } from './errors.js';
import type { GrantsTable, Schema } from './schema.js';
import type { GrantRow, Store } from './types.js';

export function grantsRepository(db: Kysely<Schema>): Store['grants'] {
  const get = async (requestId: string, provider: string): Promise<GrantRow | undefined> => {
    const row = await db
      .selectFrom('grants')
      .selectAll()
      .where('request_id', '=', requestId)
      .where('provider', '=', provider)
      .executeTakeFirst();
    return row && fromRow(row);
  };

  return {
    get,

    /** A second grant for the same (request, provider) replaces the first and is active again. */
    async upsert(row) {
      const record = JSON.stringify(row.record);
      await db
        .insertInto('grants')
        .values({ request_id: row.request_id, provider: row.provider, record, granted_at: row.granted_at, revoked_at: null })
        .onConflict((oc) =>
          oc.columns(['request_id', 'provider']).doUpdateSet({ record, granted_at: row.granted_at, revoked_at: null }),
        )
        .execute();
    },

    /** Idempotent: revoking twice keeps the first revoked_at. */
    async markRevoked(requestId, provider, at) {
      const result = await db
        .updateTable('grants')
        .set({ revoked_at: at })
        .where('request_id', '=', requestId)
        .where('provider', '=', provider)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return;
      if (!(await get(requestId, provider))) throw new RecordNotFound('grant', `${requestId}/${provider}`);
    },

    /** Oldest grant first. */
    async listActive() {
      const rows = await db
        .selectFrom('grants')
        .selectAll()
        .where('revoked_at', 'is', null)
        .orderBy('granted_at')
        .orderBy('request_id')
        .orderBy('provider')
        .execute();
      return rows.map(fromRow);
    },
  };
}

function fromRow(row: Selectable<GrantsTable>): GrantRow {
  return { ...row, record: JSON.parse(row.record) as unknown };
}
