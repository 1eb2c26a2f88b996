// Envelope encryption of a key set file. The JWK set is encrypted (AES-256-GCM) with a fresh
// data key; the data key is wrapped by the configured backend with the encryption context
// `{"lease:purpose": PURPOSE}`; the file keeps only the wrapped data key, the ciphertext and
// which backend and key wrapped it:
//
//   {"lease_envelope": 1, "purpose": "session-keys", "kms": {"provider": "aws", "key_id": "arn:..."},
//    "wrapped_key": "...", "enc": "A256GCM", "iv": "...", "ciphertext": "...", "tag": "..."}
//
// The GCM associated data covers the header (purpose, backend, key id, wrapped key), so editing
// any of it is detected even where the backend has no context of its own (Azure RSA-OAEP).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KeyEnvelopeInvalid, KeyEnvelopeUnwrapRefused, KeyEnvelopeWrongKey, KmsRefused } from './errors.js';
import type { EncryptionContext, EncryptionService, WrappedKey } from './service.js';

export const ENVELOPE_VERSION = 1;
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;

/** How a key set file is sealed: which backend, and what the file is for (bound as context). */
export interface KeySetSealing {
  service: EncryptionService;
  /** `session-keys`, `payload-keys`: a file copied to another purpose does not open. */
  purpose: string;
  /** Told after a plain file was re-sealed on load (the migration), for a log line. */
  onResealed?: (file: string) => void;
}

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');
const envelopeSchema = z.strictObject({
  lease_envelope: z.literal(ENVELOPE_VERSION),
  purpose: z.string().min(1),
  kms: z.strictObject({ provider: z.enum(['local', 'aws', 'gcp', 'azure']), key_id: z.string().min(1) }),
  wrapped_key: b64url,
  enc: z.literal('A256GCM'),
  iv: b64url.length(16),
  ciphertext: b64url,
  tag: b64url.length(22),
});
export type KeyEnvelope = z.infer<typeof envelopeSchema>;

/** True for a parsed file that is an envelope (whether or not well-formed), false for a plain JWK set. */
export function isKeyEnvelope(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'lease_envelope' in json;
}

export function encryptionContext(purpose: string): EncryptionContext {
  return { 'lease:purpose': purpose };
}

function associatedData(e: Pick<KeyEnvelope, 'purpose' | 'kms' | 'wrapped_key'>): Buffer {
  return Buffer.from(JSON.stringify(['lease-key-envelope', ENVELOPE_VERSION, e.purpose, e.kms.provider, e.kms.key_id, e.wrapped_key]), 'utf8');
}

function sealedWith(e: Pick<KeyEnvelope, 'kms'>): string {
  return `${e.kms.provider} key ${e.kms.key_id}`;
}

/** Encrypts `document` (the JWK set) under a fresh data key wrapped by `sealing.service`. */
export async function sealKeySet(document: unknown, sealing: Pick<KeySetSealing, 'service' | 'purpose'>): Promise<KeyEnvelope> {
  const context = encryptionContext(sealing.purpose);
  let dataKey: Uint8Array;
  let wrapped: WrappedKey;
  if (sealing.service.generateDataKey) {
    const generated = await sealing.service.generateDataKey(context);
    dataKey = generated.plaintext;
    wrapped = generated;
  } else {
    dataKey = randomBytes(DATA_KEY_BYTES);
    wrapped = await sealing.service.wrap(dataKey, context);
  }
  try {
    if (dataKey.length !== DATA_KEY_BYTES) throw new Error(`the data key has ${dataKey.length} bytes, expected ${DATA_KEY_BYTES}`);
    const header = {
      purpose: sealing.purpose,
      kms: { provider: sealing.service.provider, key_id: wrapped.keyId },
      wrapped_key: Buffer.from(wrapped.blob).toString('base64url'),
    };
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(associatedData(header));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(document), 'utf8'), cipher.final()]);
    return {
      lease_envelope: ENVELOPE_VERSION,
      ...header,
      enc: 'A256GCM',
      iv: iv.toString('base64url'),
      ciphertext: ciphertext.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The document inside the envelope `json` read from `file`. Typed errors: KeyEnvelopeInvalid
 * (malformed, other purpose, altered), KeyEnvelopeWrongKey (other backend or key, or none
 * configured), KeyEnvelopeUnwrapRefused (the backend said no); KmsUnavailable passes through.
 */
export async function openKeySet(json: unknown, file: string, sealing: Pick<KeySetSealing, 'service' | 'purpose'> | undefined): Promise<unknown> {
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new KeyEnvelopeInvalid(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; '));
  const envelope = parsed.data;
  if (sealing === undefined) throw new KeyEnvelopeWrongKey(file, sealedWith(envelope), undefined);
  if (envelope.purpose !== sealing.purpose) {
    throw new KeyEnvelopeInvalid(file, `it holds ${envelope.purpose}, not ${sealing.purpose}; was it copied from another file?`);
  }
  const { service } = sealing;
  if (envelope.kms.provider !== service.provider || !service.recognises(envelope.kms.key_id)) {
    throw new KeyEnvelopeWrongKey(file, sealedWith(envelope), service.describe());
  }
  let dataKey: Uint8Array;
  try {
    dataKey = await service.unwrap({ blob: Buffer.from(envelope.wrapped_key, 'base64url'), keyId: envelope.kms.key_id }, encryptionContext(envelope.purpose));
  } catch (err) {
    if (err instanceof KmsRefused) throw new KeyEnvelopeUnwrapRefused(file, sealedWith(envelope), err);
    throw err;
  }
  try {
    if (dataKey.length !== DATA_KEY_BYTES) throw new KeyEnvelopeInvalid(file, 'the unwrapped data key is not 256 bits');
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(envelope.iv, 'base64url'));
    decipher.setAAD(associatedData(envelope));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64url'));
    let text: string;
    try {
      text = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyEnvelopeInvalid(file, 'it was altered: its content does not authenticate under its data key');
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new KeyEnvelopeInvalid(file, 'its content is not JSON');
    }
  } finally {
    dataKey.fill(0);
  }
}

// A sealed file (`lease keys seal-file`): any file's bytes (an SSH CA private key) in the same
// envelope, as the document `{"sealed_file": 1, "data": "<base64url>"}`, bound to its purpose.
const sealedFileSchema = z.strictObject({ sealed_file: z.literal(1), data: z.string().regex(/^[A-Za-z0-9_-]*$/, 'expected base64url') });

/** Seals the bytes of a file under a fresh data key wrapped by `sealing.service`. */
export function sealFile(bytes: Uint8Array, sealing: Pick<KeySetSealing, 'service' | 'purpose'>): Promise<KeyEnvelope> {
  return sealKeySet({ sealed_file: 1, data: Buffer.from(bytes).toString('base64url') }, sealing);
}

/** The clear bytes of the sealed file `json` read from `file` (errors as openKeySet's). Never written anywhere by Lease. */
export async function openSealedFile(json: unknown, file: string, sealing: Pick<KeySetSealing, 'service' | 'purpose'> | undefined): Promise<Buffer> {
  const document = sealedFileSchema.safeParse(await openKeySet(json, file, sealing));
  if (!document.success) throw new KeyEnvelopeInvalid(file, 'it holds a key set, not a sealed file');
  return Buffer.from(document.data.data, 'base64url');
}
