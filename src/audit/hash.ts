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
