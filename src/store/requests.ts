// requests: one row per access request. `identity` and `outcome` are JSON text; identity.id is
// also a column so listing one person's requests uses an index.
import type { Kysely, Selectable, Updateable } from 'kysely';
import { toIso, type Clock, type RequestStatus } from '../core/index.js';
import { isUniqueViolation, RecordExists, RecordNotFound } from './errors.js';
import type { RequestsTable, Schema } from './schema.js';
import type { RequestPatch, RequestRecord, Store } from './types.js';

type RequestRow = Selectable<RequestsTable>;

export function requestsRepository(db: Kysely<Schema>, clock: Clock): Store['requests'] {
  return {
    async insert(record) {
      try {
        await db.insertInto('requests').values(toRow(record)).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new RecordExists('request', record.id);
        throw err;
      }
    },

    async get(id) {
      const row = await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    /** Applies the patch and returns the updated record; updated_at defaults to now. */
    async update(id, patch) {
      const row = await db
        .updateTable('requests')
        .set(toPatchRow(patch, clock))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new RecordNotFound('request', id);
      return fromRow(row);
    },

    /** Newest first. An empty status list matches nothing (`IN ()` is not valid SQL). */
    async list(filter = {}) {
      if (filter.status?.length === 0) return [];
      let query = db.selectFrom('requests').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.identityId !== undefined) query = query.where('identity_id', '=', filter.identityId);
      if (filter.status !== undefined) query = query.where('status', 'in', filter.status);
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      const rows = await query.execute();
      return rows.map(fromRow);
    },

    async count(filter = {}) {
      if (filter.status?.length === 0) return 0;
      let query = db.selectFrom('requests').select((eb) => eb.fn.countAll<number>().as('n'));
      if (filter.status !== undefined) query = query.where('status', 'in', filter.status);
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function toRow(r: RequestRecord): RequestRow {
  return {
    id: r.id,
    identity_id: r.identity.id,
    identity: JSON.stringify(r.identity),
    role: r.role,
    provider: r.provider,
    workflow: r.workflow,
    reason: r.reason,
    duration_ms: r.duration_ms,
    status: r.status,
    created_at: r.created_at,
    updated_at: r.updated_at,
    granted_at: r.granted_at,
    expires_at: r.expires_at,
    ended_at: r.ended_at,
    outcome: r.outcome === null ? null : JSON.stringify(r.outcome),
  };
}

function toPatchRow(patch: RequestPatch, clock: Clock): Updateable<RequestsTable> {
  const row: Updateable<RequestsTable> = { updated_at: patch.updated_at ?? toIso(clock.now()) };
  if (patch.role !== undefined) row.role = patch.role;
  if (patch.provider !== undefined) row.provider = patch.provider;
  if (patch.workflow !== undefined) row.workflow = patch.workflow;
  if (patch.reason !== undefined) row.reason = patch.reason;
  if (patch.duration_ms !== undefined) row.duration_ms = patch.duration_ms;
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.granted_at !== undefined) row.granted_at = patch.granted_at;
  if (patch.expires_at !== undefined) row.expires_at = patch.expires_at;
  if (patch.ended_at !== undefined) row.ended_at = patch.ended_at;
  if (patch.outcome !== undefined) row.outcome = patch.outcome === null ? null : JSON.stringify(patch.outcome);
  return row;
}

function fromRow(row: RequestRow): RequestRecord {
  return {
    id: row.id,
    identity: JSON.parse(row.identity) as RequestRecord['identity'],
    role: row.role,
    provider: row.provider,
    workflow: row.workflow,
    reason: row.reason,
    duration_ms: row.duration_ms,
    status: row.status as RequestStatus,
    created_at: row.created_at,
    updated_at: row.updated_at,
    granted_at: row.granted_at,
    expires_at: row.expires_at,
    ended_at: row.ended_at,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as RequestRecord['outcome']),
  };
}
