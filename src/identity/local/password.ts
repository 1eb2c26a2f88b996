// Password hashes for local users: scrypt, stored as
//   scrypt$<N>$<r>$<p>$<salt, base64>$<key, base64>
// New hashes use N=16384, r=8, p=1, a 16-byte random salt and a 32-byte key.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import { InvalidInput } from '../../core/index.js';

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Limits on parameters read from config, so a hash cannot make each login cost seconds or
 * gigabytes: N a power of two ≤ 2^17, r ≤ 16, p ≤ 4, memory (128·N·r) ≤ 128 MiB.
 */
const MAX_N = 2 ** 17;
const MAX_R = 16;
const MAX_P = 4;
const MAX_MEMORY = 128 * 1024 * 1024;
/** Longer inputs are refused before hashing; no real password comes near. */
export const MAX_PASSWORD_LENGTH = 1024;

const HASH_PATTERN = /^scrypt\$([1-9][0-9]{0,9})\$([1-9][0-9]{0,3})\$([1-9][0-9]{0,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export const PASSWORD_HASH_FORMAT = 'scrypt$16384$8$1$<salt base64>$<key base64>';

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** Base64 that re-encodes to itself, so one hash has exactly one spelling. */
function canonicalBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

function parseHash(stored: string): ParsedHash | null {
  const m = HASH_PATTERN.exec(stored);
  if (m === null) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = canonicalBase64(m[4] as string);
  const key = canonicalBase64(m[5] as string);
  const sane =
    N >= 2 && N <= MAX_N && (N & (N - 1)) === 0 && r <= MAX_R && p <= MAX_P && 128 * N * r <= MAX_MEMORY &&
    salt !== null && salt.length >= 16 && salt.length <= 64 &&
    key !== null && key.length >= 16 && key.length <= 64;
  return sane ? { N, r, p, salt: salt as Buffer, key: key as Buffer } : null;
}

/** True when `stored` is a hash verifyPassword can check (format and parameter limits). */
export function isPasswordHash(stored: string): boolean {
  return parseHash(stored) !== null;
}

function derive(password: string, salt: Buffer, keylen: number, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 128 * params.r * (params.N + params.p + 2) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidInput(`a password must have 1 to ${MAX_PASSWORD_LENGTH} characters`, 'password');
  }
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time check of `password` against `stored`; a malformed or out-of-bounds hash is false. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const hash = parseHash(stored);
  if (hash === null || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(password, hash.salt, hash.key.length, hash);
  return timingSafeEqual(key, hash.key);
}
