// Files only this user may read: mode 0600 in a 0700 directory, written through a temp file
// and renamed into place, so a reader sees the old content or the new, never half of either.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** Creates the directory 0700 (and tightens it when it already exists). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
}

/**
 * Writes `content` to `file` atomically. With `exclusive`, fails with EEXIST instead of
 * replacing a file another process created first (used for keys, which must never change).
 */
export async function writeSecretFile(file: string, content: string | Uint8Array, options: { exclusive?: boolean } = {}): Promise<void> {
  const dir = dirname(file);
  await ensurePrivateDir(dir);
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  try {
    try {
      await handle.writeFile(content);
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
}
