// The drop-in directory: atomic install, idempotent removal, listing. Knows files, not rules.
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** sudo refuses drop-ins that are writable by group or others; 0440 is what visudo itself writes. */
export const DROP_IN_MODE = 0o440;
const DIR_MODE = 0o750;

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Directory fsyncs shared by concurrent callers: a caller arriving while a sync runs waits for
 * the next one, which starts when the running one ends and covers every change made before it.
 * A burst of revocations then costs a few fsyncs instead of one each.
 */
class SharedDirSync {
  private next: Promise<void> | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    this.next ??= (async () => {
      await this.running?.catch(() => undefined);
      this.next = undefined;
      const run = fsyncDir(this.dir);
      this.running = run;
      try {
        await run;
      } finally {
        if (this.running === run) this.running = undefined;
      }
    })();
    return this.next;
  }
}

export class SudoersDir {
  private readonly dirSyncs = new Map<string, SharedDirSync>();

  constructor(readonly path: string) {}

  private syncDir(dir: string): Promise<void> {
    let shared = this.dirSyncs.get(dir);
    if (!shared) {
      shared = new SharedDirSync(dir);
      this.dirSyncs.set(dir, shared);
    }
    return shared.sync();
  }

  /**
   * Installs `name` with `content` so sudo never sees a partial file: write a temp file in the
   * same directory (its name must contain a `.` so sudo skips it), mode 0440, fsync, `check` it,
   * rename over `name`, fsync the directory. A failed check leaves nothing behind.
   */
  async install(name: string, tempName: string, content: string, check: (file: string) => Promise<void>): Promise<string> {
    const target = join(this.path, name);
    const temp = join(this.path, tempName);
    try {
      const handle = await this.createExclusive(temp);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.chmod(DROP_IN_MODE); // the open mode is filtered by umask
        await handle.sync();
      } finally {
        await handle.close();
      }
      await check(temp);
      await rename(temp, target);
    } catch (err) {
      await unlinkIfPresent(temp);
      throw err;
    }
    await this.syncDir(this.path);
    return target;
  }

  /**
   * Creates `temp` with O_EXCL, which also refuses to follow a symlink planted at its path.
   * The directory and a leftover of a crash mid-install are dealt with only when met, so the
   * common case costs one system call.
   */
  private async createExclusive(temp: string): Promise<FileHandle> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    try {
      return await open(temp, flags, DROP_IN_MODE);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) await mkdir(this.path, { recursive: true, mode: DIR_MODE });
      else if (isErrno(err, 'EEXIST')) await unlinkIfPresent(temp);
      else throw err;
      return open(temp, flags, DROP_IN_MODE);
    }
  }

  /** Removes `file` (normally in this directory); a file already gone counts as removed. */
  async remove(file: string): Promise<void> {
    if (await unlinkIfPresent(file)) await this.syncDir(dirname(file));
  }

  /** Files whose name `accept` keeps, with their content; a missing directory holds none. */
  async list(accept: (name: string) => boolean): Promise<{ file: string; name: string; content: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.path);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const out = [];
    for (const name of names.filter(accept).sort()) {
      const file = join(this.path, name);
      const content = await readIfPresent(file);
      if (content !== null) out.push({ file, name, content });
    }
    return out;
  }
}

/** A file removed between readdir and read is simply gone. */
async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}
