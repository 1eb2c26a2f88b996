import { createPublicKey, type KeyObject } from 'node:crypto';
import { Forbidden, identityKey, toIso, type Clock, type Identity } from '../../core/index.js';
import type { AuditEntry, AuditFilter, Store } from '../../store/index.js';
import { route } from '../api/route.js';
import { auditArchiveQuerySchema, auditArchiveSchema, auditPruneBodySchema, auditPruneResultSchema, auditExportQuerySchema, auditForwardersSchema, auditListSchema, auditQuerySchema, auditVerificationSchema } from '../api/schemas.js';
import { buildArchive, checkpointSignatureValid, GENESIS_HASH, toAuditEvent, type AuditEvent } from '../../audit/index.js';
import type { AuditForwarding } from '../audit-forwarding/index.js';
import { pruneAuditLog } from '../audit-retention/retention.js';

/** What the archive and prune routes need: the checkpoint key, and the forwarders that bound a prune. */
export interface AuditRetentionDeps {
  key: () => Promise<KeyObject>;
  forwarders: readonly string[];
}
import type { AccessControl } from '../services/access-control.js';
import { z } from 'zod';

/** The export reads the log in pages of this many entries, so a long log never sits in memory whole. */
const EXPORT_PAGE = 1000;
const CSV_COLUMNS = ['seq', 'ts', 'actor', 'action', 'subject', 'data', 'prev_hash', 'hash'] as const;

export function auditRoutes(store: Store, access: AccessControl, clock: Clock = { now: () => Date.now() }, forwarding: () => AuditForwarding | undefined = () => undefined, retention?: AuditRetentionDeps) {
  const requireAdmin = (identity: Identity) => {
    if (!access.isAdmin(identity)) throw new Forbidden('admin_required', 'the audit log is for administrators (server.admins)');
  };
  const filterOf = (query: { subject?: string | undefined; actor?: string | undefined; action?: string | undefined; since?: string | undefined; until?: string | undefined }): AuditFilter => {
    const filter: AuditFilter = {};
    for (const key of ['subject', 'actor', 'action', 'since', 'until'] as const) {
      const value = query[key];
      if (value !== undefined && value !== '') filter[key] = value;
    }
    return filter;
  };
  return [
    route({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Audit entries, oldest first, filtered by subject, actor, action and time (administrators)',
      tag: 'audit',
      auth: true,
      query: auditQuerySchema,
      response: auditListSchema,
      errors: [403],
      handler: async ({ query, identity }) => {
        requireAdmin(identity);
        return {
          entries: await store.audit.list({
            ...filterOf(query),
            ...(query.after !== undefined ? { afterSeq: query.after } : {}),
            limit: query.limit ?? 100,
          }),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/audit/export',
      summary: 'Download the audit entries matching the filters, oldest first, as CSV or JSON (administrators)',
      tag: 'audit',
      auth: true,
      query: auditExportQuerySchema,
      response: z.string().describe('CSV (one entry a line, data as canonical JSON) or a JSON array of entries'),
      produces: 'text/csv',
      errors: [403],
      handler: async ({ query, identity }) => {
        requireAdmin(identity);
        const format = query.format ?? 'csv';
        const filter = filterOf(query);
        const stamp = toIso(clock.now()).replace(/[:.]/g, '-');
        const body = exportStream(store, filter, format);
        return new Response(body, {
          status: 200,
          headers: {
            'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
            'content-disposition': `attachment; filename="lease-audit-${stamp}.${format}"`,
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          },
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/audit/verify',
      summary: 'Verify the audit hash chain (administrators)',
      tag: 'audit',
      auth: true,
      response: auditVerificationSchema,
      errors: [403],
      handler: async ({ identity }) => {
        requireAdmin(identity);
        const verdict = await store.audit.verify();
        // A checkpoint the server did not sign means entries were deleted outside retention.
        const checkpoint = verdict.ok && retention ? await store.audit.checkpoint() : null;
        if (checkpoint && !checkpointSignatureValid(checkpoint, createPublicKey(await retention!.key()))) {
          return { ok: false, count: 0, broken_at: checkpoint.seq + 1, from_seq: checkpoint.seq, message: `the checkpoint at seq ${checkpoint.seq} is not signed by this server's audit checkpoint key` };
        }
        return verdict;
      },
    }),
    ...(retention ? archiveRoutes(store, clock, retention, requireAdmin) : []),
    route({
      method: 'get',
      path: '/api/v1/audit/forwarders',
      summary: 'Where each audit forwarder is in the log, its lag and its last error (administrators)',
      tag: 'audit',
      auth: true,
      response: auditForwardersSchema,
      errors: [403],
      handler: async ({ identity }) => {
        requireAdmin(identity);
        return { forwarders: (await forwarding()?.status()) ?? [] };
      },
    }),
  ];
}

/** The matching entries, page by page, as CSV lines or the items of one JSON array. */
function exportStream(store: Store, filter: AuditFilter, format: 'csv' | 'json'): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterSeq = 0;
  let first = true;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return;
      const entries = await store.audit.list({ ...filter, afterSeq, limit: EXPORT_PAGE });
      let text = '';
      if (first) text += format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '[';
      for (const entry of entries) {
        text += format === 'csv' ? `${csvLine(entry)}\r\n` : `${first ? '' : ','}\n${JSON.stringify(entry)}`;
        first = false;
      }
      first = false;
      afterSeq = entries.at(-1)?.seq ?? afterSeq;
      if (entries.length < EXPORT_PAGE) {
        done = true;
        if (format === 'json') text += '\n]\n';
      }
      controller.enqueue(encoder.encode(text));
      if (done) controller.close();
    },
  });
}

function csvLine(entry: AuditEntry): string {
  return CSV_COLUMNS.map((column) => {
    const value = entry[column];
    return csvCell(column === 'data' ? JSON.stringify(value) : value === null ? '' : String(value));
  }).join(',');
}

/**
 * RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @, TAB, CR first) gets a
 * leading apostrophe (OWASP CSV injection), since actors and reasons come from users.
 */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The verifiable archive (export) and the deliberate prune, both for administrators. */
function archiveRoutes(store: Store, clock: Clock, retention: AuditRetentionDeps, requireAdmin: (identity: Identity) => void) {
  return [
    route({
      method: 'get',
      path: '/api/v1/audit/archive',
      summary: 'A signed, verifiable archive of the entries in a time range (administrators); lease audit verify-archive checks it',
      tag: 'audit',
      auth: true,
      query: auditArchiveQuerySchema,
      response: auditArchiveSchema,
      errors: [403],
      handler: async ({ query, identity }) => {
        requireAdmin(identity);
        const events: AuditEvent[] = [];
        let afterSeq = 0;
        for (;;) {
          const page = await store.audit.list({ afterSeq, limit: EXPORT_PAGE, ...(query.since ? { since: query.since } : {}), ...(query.until ? { until: query.until } : {}) });
          events.push(...page.map(toAuditEvent));
          if (page.length < EXPORT_PAGE) break;
          afterSeq = page.at(-1)!.seq;
        }
        const checkpoint = await store.audit.checkpoint();
        const archive = buildArchive(events, checkpoint?.hash ?? GENESIS_HASH, toIso(clock.now()), checkpoint, await retention.key());
        await store.audit.append({ actor: identityKey(identity), action: 'audit.exported', subject: null, data: { from_seq: events[0]?.seq ?? null, to_seq: events.at(-1)?.seq ?? null, count: events.length } });
        return { archive };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/audit/prune',
      summary: 'Prune entries written before a time, behind a signed checkpoint, as retention would (administrators)',
      tag: 'audit',
      auth: true,
      body: auditPruneBodySchema,
      response: auditPruneResultSchema,
      errors: [403],
      handler: async ({ body, identity }) => {
        requireAdmin(identity);
        return pruneAuditLog({ store, clock, key: await retention.key(), before: Date.parse(body.before), forwarders: retention.forwarders }, identityKey(identity));
      },
    }),
  ];
}
