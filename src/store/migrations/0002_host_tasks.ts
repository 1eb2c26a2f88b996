// Tasks for host agents (providers bound to `agent: <host>`, see providers/remote/): each grant,
// revoke or listing a host must run is a row, committed before the call waits for it, so it
// survives a server restart and reaches the host whenever it next polls.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('host_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // One row per (kind, provider, request): a retried call finds its task instead of adding one.
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // Bumped each time a finished task is run again; a result must name the attempt it answers.
    .addColumn('attempt', 'integer', (c) => c.notNull())
    // Epoch ms: handed to the host and unanswered until then → deliverable again.
    .addColumn('claimed_until', 'integer')
    // Epoch ms: a pending task is not handed out after this (grants nobody waits for any more).
    .addColumn('deliver_before', 'integer')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  // Serves claim(): the pending tasks of one host, oldest first.
  await db.schema
    .createIndex('host_tasks_pending')
    .on('host_tasks')
    .columns(['host', 'created_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}
