// Files only this user may read (keys, vaults, tokens): mode 0600 in a 0700 directory, written
// through a temp file, fsync'ed, then renamed (or linked, when it must not replace another
// process's file) into place, so a reader sees the old content or the new, never half of either.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** Creates the directory 0700 (and tightens it when it already exists). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * The file's text, or null when it does not exist. A file that group or others may read is
 * refused (`insecure` builds the error), the way ssh refuses such keys.
 */
export async function readPrivateFile(file: string, insecure: (mode: number) => Error): Promise<string | null> {
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) throw insecure(info.mode & 0o777);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/**
 * Writes `content` to `file` atomically and durably. With `exclusive`, never replaces a file:
 * returns false when another process created it first.
 */
export async function writePrivateFile(file: string, content: string | Uint8Array, options: { exclusive?: boolean } = {}): Promise<boolean> {
  const dir = dirname(file);
  await ensurePrivateDir(dir);
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE);
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(PRIVATE_FILE_MODE); // the open mode is filtered by umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      try {
        await link(temp, file);
      } catch (err) {
        if (isErrno(err, 'EEXIST')) return false;
        throw err;
      }
    } else {
      await rename(temp, file);
    }
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
  return true;
}
