// The audit chain's link: each entry's hash covers its own fields and the previous entry's hash,
// so changing, inserting or removing any entry breaks every link after it.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an entry's hash covers. prev_hash is covered as the prefix. */
export interface AuditHashInput {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string | null;
  data: Record<string, unknown>;
}

/** SHA-256 hex of prevHash followed by the canonical JSON of the entry's fields. */
export function hashAuditEntry(prevHash: string, entry: AuditHashInput): string {
  const { seq, ts, actor, action, subject, data } = entry;
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson({ seq, ts, actor, action, subject, data }))
    .digest('hex');
}

/**
 * The same hash, for a caller that already holds `canonicalJson(entry.data)` (the store does:
 * it is the stored text), so the data is not serialised twice. The entry's keys are written in
 * the sorted order canonicalJson would put them in: action, actor, data, seq, subject, ts.
 * Equal to hashAuditEntry for every entry the store writes (integer seq, subject string or null).
 */
export function hashAuditEntryJson(prevHash: string, entry: Omit<AuditHashInput, 'data'>, canonicalData: string): string {
  const { seq, ts, actor, action, subject } = entry;
  const json =
    `{"action":${JSON.stringify(action)},"actor":${JSON.stringify(actor)},"data":${canonicalData},` +
    `"seq":${JSON.stringify(seq)},"subject":${JSON.stringify(subject)},"ts":${JSON.stringify(ts)}}`;
  return createHash('sha256').update(prevHash).update(json).digest('hex');
}
