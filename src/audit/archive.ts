// A verifiable archive of part of the audit log (`lease audit export`): JSON lines, a header then
// one lease.audit.v1 event per line. The header holds the range, the hash the first event links
// to, the last event's hash, and an Ed25519 signature over them with the audit checkpoint key, so
// the archive can be checked offline: nothing removed, added or changed, and made by that server.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { ChainVerifier } from './chain.js';
import { checkpointKeyId, checkpointSignatureValid, type AuditCheckpoint } from './checkpoint.js';
import { entryOfEvent, type AuditEvent } from './events.js';

export interface ArchiveHeader {
  schema: 'lease.audit.archive.v1';
  exported_at: string;
  from_seq: number;
  to_seq: number;
  count: number;
  /** The hash the first event links to (genesis, or the entry before the range). */
  prev_hash: string;
  last_hash: string;
  /** The latest checkpoint of the log when exported (where a pruned log starts), or null. */
  checkpoint: AuditCheckpoint | null;
  key_id: string;
  /** The signing key's public half (SPKI PEM); compare its key_id with the one you trust. */
  public_key: string;
  signature: string;
}

type Signed = Omit<ArchiveHeader, 'signature' | 'public_key' | 'checkpoint'>;

function archiveMessage(h: Signed): Buffer {
  return Buffer.from(canonicalJson({ purpose: 'lease.audit.archive.v1', exported_at: h.exported_at, from_seq: h.from_seq, to_seq: h.to_seq, count: h.count, prev_hash: h.prev_hash, last_hash: h.last_hash, key_id: h.key_id }));
}

/** The archive text for events (contiguous, in seq order) and the hash the first links to. */
export function buildArchive(events: AuditEvent[], prevHash: string, exportedAt: string, checkpoint: AuditCheckpoint | null, privateKey: KeyObject): string {
  const publicKey = createPublicKey(privateKey);
  const signed: Signed = {
    schema: 'lease.audit.archive.v1',
    exported_at: exportedAt,
    from_seq: events[0]?.seq ?? 0,
    to_seq: events.at(-1)?.seq ?? 0,
    count: events.length,
    prev_hash: events[0]?.prev_hash ?? prevHash,
    last_hash: events.at(-1)?.hash ?? prevHash,
    key_id: checkpointKeyId(publicKey),
  };
  const header: ArchiveHeader = {
    ...signed,
    checkpoint,
    public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signature: sign(null, archiveMessage(signed), privateKey).toString('base64url'),
  };
  return [JSON.stringify(header), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n';
}

export interface ArchiveVerdict {
  ok: boolean;
  count: number;
  from_seq?: number;
  to_seq?: number;
  key_id?: string;
  /** SHA-256 of the archive file, to record alongside it. */
  sha256: string;
  message?: string;
}

/**
 * Checks an archive: header signature (with `trustedKey`, else the key it carries — then only
 * its key_id tells who made it), every event's hash, the links from prev_hash, no gap, the count
 * and the last hash.
 */
export function verifyArchive(text: string, trustedKey?: KeyObject): ArchiveVerdict {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const fail = (message: string, count = 0): ArchiveVerdict => ({ ok: false, count, sha256, message });
  const lines = text.split('\n').filter((line) => line !== '');
  let header: ArchiveHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as ArchiveHeader;
  } catch {
    return fail('the first line is not an archive header');
  }
  if (header.schema !== 'lease.audit.archive.v1') return fail('not a lease.audit.archive.v1 file');
  let key: KeyObject;
  try {
    key = trustedKey ?? createPublicKey(header.public_key);
  } catch {
    return fail('the header\'s public key is not readable');
  }
  if (checkpointKeyId(key) !== header.key_id) return fail('the archive was signed with another key than the one trusted');
  let signatureOk: boolean;
  try {
    signatureOk = verify(null, archiveMessage(header), key, Buffer.from(header.signature, 'base64url'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return fail('the header\'s signature does not match: the header was changed, or not signed by this key');
  if (header.checkpoint && !checkpointSignatureValid(header.checkpoint, key)) return fail('the checkpoint in the header is not signed by this key');
  const verifier = new ChainVerifier(header.count > 0 ? { seq: header.from_seq - 1, hash: header.prev_hash } : undefined);
  let last: AuditEvent | undefined;
  for (const line of lines.slice(1)) {
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      return fail(`a line after seq ${last?.seq ?? header.from_seq - 1} is not JSON`, verifier.count);
    }
    const problem = verifier.check(entryOfEvent(event));
    if (problem) return fail(problem.message, verifier.count);
    last = event;
  }
  if (verifier.count !== header.count) return fail(`the header says ${header.count} events, the file has ${verifier.count}: events are missing at the end`, verifier.count);
  if ((last?.hash ?? header.prev_hash) !== header.last_hash) return fail('the last event is not the one the header names', verifier.count);
  return { ok: true, count: verifier.count, from_seq: header.from_seq, to_seq: header.to_seq, key_id: header.key_id, sha256 };
}
