// How a login in progress keeps its secrets in the shared store. Bearer values (attempt ids,
// states, exchange codes, device and user codes, page refs) are looked up by their SHA-256, so
// the store never holds one that works. What must come back in the clear — the PKCE verifier
// and nonce the IdP's answer is checked against — is sealed with AES-256-GCM under a key derived
// by HKDF from the server's session key set (which every replica shares), bound to its row.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { SessionKeys } from '../../identity/index.js';

const HKDF_INFO = 'lease/login-attempt/v1';

/** The lookup key of a bearer value: SHA-256, base64url. */
export function lookupHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** A random bearer value: 256 bits, base64url. */
export function newBearerValue(): string {
  return randomBytes(32).toString('base64url');
}

function sealingKey(sessionKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionKey, new Uint8Array(0), HKDF_INFO, 32));
}

/** Seals `value` (JSON) for the row named `binding`: `<kid>.<iv>.<ciphertext>.<tag>`. */
export async function sealForRow(keys: SessionKeys, value: unknown, binding: string): Promise<string> {
  const { kid, key } = await keys.fresh();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(key), iv).setAAD(Buffer.from(binding));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [kid, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The value sealed for `binding`, or undefined when the key is gone (revoked) or the seal does not open. */
export async function openForRow<T>(keys: SessionKeys, sealed: string, binding: string): Promise<T | undefined> {
  const [kid, iv, body, tag] = sealed.split('.');
  if (kid === undefined || iv === undefined || body === undefined || tag === undefined) return undefined;
  const key = await keys.resolve(kid);
  if (key === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(key), Buffer.from(iv, 'base64url')).setAAD(Buffer.from(binding));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const clear = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    return JSON.parse(clear.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
