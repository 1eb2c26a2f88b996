// A key set file: a JWK Set of 256-bit symmetric keys (`{"keys": [{kty: "oct", kid, k,
// created_at, revoked?}]}`) kept as a private file. Session tokens and Temporal payloads each
// have one; the newest unrevoked key encrypts, every key decrypts. With a `sealing` (a KMS in
// `services.encryption`), the set is stored as an envelope (kms/envelope.ts); a plain file
// found then is re-sealed in place.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isKeyEnvelope, openKeySet, sealKeySet, type KeySetSealing } from './kms/index.js';
import { readPrivateFile, writePrivateFile } from './private-file.js';

export const KEY_BYTES = 32;

export const keyEntrySchema = z.object({
  kty: z.literal('oct'),
  kid: z.string().min(1),
  /** base64url of 32 random bytes. */
  k: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 256-bit key in base64url'),
  created_at: z.iso.datetime(),
  revoked: z.boolean().optional(),
});
const keySetSchema = z.object({ keys: z.array(keyEntrySchema) });

export type KeyEntry = z.infer<typeof keyEntrySchema>;

/** How a caller names what is wrong with its file, with its own error classes. */
export interface KeySetErrors {
  invalid(file: string, problem: string): Error;
  insecure(file: string, mode: number): Error;
}

export function newKeyEntry(kid: string, createdAt: string): KeyEntry {
  return { kty: 'oct', kid, k: randomBytes(KEY_BYTES).toString('base64url'), created_at: createdAt };
}

/** The entries in `file`, or null when it does not exist. */
export async function readKeySetFile(file: string, errors: KeySetErrors, sealing?: KeySetSealing): Promise<KeyEntry[] | null> {
  const text = await readPrivateFile(file, (mode) => errors.insecure(file, mode));
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.invalid(file, 'not JSON');
  }
  const sealed = isKeyEnvelope(json);
  if (sealed) json = await openKeySet(json, file, sealing);
  const parsed = keySetSchema.safeParse(json);
  if (!parsed.success) throw errors.invalid(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  if (!sealed && sealing !== undefined) {
    await writeKeySetFile(file, parsed.data.keys, { exclusive: false, sealing });
    sealing.onResealed?.(file);
  }
  return parsed.data.keys;
}

/** Writes the key set (sealed with `sealing`); with `exclusive`, returns false when another process created the file first. */
export async function writeKeySetFile(file: string, entries: KeyEntry[], options: { exclusive: boolean; sealing?: KeySetSealing | undefined }): Promise<boolean> {
  const document = { keys: entries };
  const content = options.sealing ? await sealKeySet(document, options.sealing) : document;
  return writePrivateFile(file, `${JSON.stringify(content, null, 2)}\n`, { exclusive: options.exclusive });
}
