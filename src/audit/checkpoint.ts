// A checkpoint marks where a pruned log now starts: the last deleted entry's seq, hash and time,
// signed with the audit checkpoint key (Ed25519). Verification of what remains, or of an archive,
// starts from it; the signature shows the cut was made by Lease, not by someone editing the
// store who deleted entries and inserted a checkpoint of their own.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export interface AuditCheckpoint {
  /** The last pruned entry. */
  seq: number;
  hash: string;
  ts: string;
  created_at: string;
  /** Which key signed it: see checkpointKeyId. */
  key_id: string;
  /** base64url Ed25519 signature over checkpointMessage. */
  signature: string;
}

export type UnsignedCheckpoint = Pick<AuditCheckpoint, 'seq' | 'hash' | 'ts' | 'created_at'>;

/** The signed bytes: the checkpoint's fields, tagged with their purpose, in canonical JSON. */
export function checkpointMessage(cp: UnsignedCheckpoint & { key_id: string }): Buffer {
  return Buffer.from(canonicalJson({ purpose: 'lease.audit.checkpoint.v1', seq: cp.seq, hash: cp.hash, ts: cp.ts, created_at: cp.created_at, key_id: cp.key_id }));
}

/** The first 16 bytes of SHA-256 of the public key's SPKI DER, base64url. */
export function checkpointKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().subarray(0, 16).toString('base64url');
}

export function signCheckpoint(cp: UnsignedCheckpoint, privateKey: KeyObject): AuditCheckpoint {
  const key_id = checkpointKeyId(createPublicKey(privateKey));
  const signature = sign(null, checkpointMessage({ ...cp, key_id }), privateKey).toString('base64url');
  return { ...cp, key_id, signature };
}

/** True when `cp` was signed by the private half of `publicKey`, unchanged. */
export function checkpointSignatureValid(cp: AuditCheckpoint, publicKey: KeyObject): boolean {
  if (cp.key_id !== checkpointKeyId(publicKey)) return false;
  try {
    return verify(null, checkpointMessage(cp), publicKey, Buffer.from(cp.signature, 'base64url'));
  } catch {
    return false;
  }
}
