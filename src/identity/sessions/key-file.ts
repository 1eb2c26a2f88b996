// The session key file `<dataDir>/keys/session.jwk`: a JWK Set of 256-bit symmetric keys,
// mode 0600 in a 0700 directory, replaced atomically.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SessionKeyFileInsecure, SessionKeyFileInvalid } from './errors.js';

export const KEY_BYTES = 32;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const keyEntrySchema = z.object({
  kty: z.literal('oct'),
  kid: z.string().min(1),
  /** base64url of 32 random bytes. */
  k: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 256-bit key in base64url'),
  created_at: z.iso.datetime(),
  revoked: z.boolean().optional(),
});
const keyFileSchema = z.object({ keys: z.array(keyEntrySchema) });

export type KeyEntry = z.infer<typeof keyEntrySchema>;

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** The entries in `file`, or null when it does not exist. */
export async function readKeyFile(file: string): Promise<KeyEntry[] | null> {
  let text: string;
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) throw new SessionKeyFileInsecure(file, info.mode & 0o777);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SessionKeyFileInvalid(file, 'not JSON');
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) throw new SessionKeyFileInvalid(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data.keys;
}

/**
 * Writes `entries` to `file` through a 0600 temp file. With `exclusive`, fails with EEXIST
 * instead of replacing a file another process created first.
 */
export async function writeKeyFile(file: string, entries: KeyEntry[], options: { exclusive: boolean }): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  try {
    try {
      await handle.writeFile(`${JSON.stringify({ keys: entries }, null, 2)}\n`, 'utf8');
      await handle.chmod(FILE_MODE);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) await link(temp, file);
    else await rename(temp, file);
  } finally {
    await unlink(temp).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
  const dirHandle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

export function newKeyEntry(kid: string, createdAt: string): KeyEntry {
  return { kty: 'oct', kid, k: randomBytes(KEY_BYTES).toString('base64url'), created_at: createdAt };
}
