import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A new id: `prefix_` + 26 chars of Crockford base32 (48 bits of time, 80 random bits), so ids
 * sort by creation time and are safe in file names (sudoers drop-ins are named after them).
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[(bytes[i] as number) % 32];
  return `${prefix}_${time}${rand}`;
}

/** True for ids made by newId: lower-case base32 after a short prefix, nothing a path could abuse. */
export function isSafeId(id: string): boolean {
  return /^[a-z]{1,12}_[0-9a-z]{26}$/.test(id);
}
