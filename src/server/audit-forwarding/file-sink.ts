// The file forwarder: one JSON object per line, fsync'ed before the batch counts as delivered,
// rotated by size (`path.1` is the newest rotated file, `path.<keep>` the oldest kept).
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditSink } from './types.js';

export interface FileSinkOptions {
  path: string;
  maxBytes: number;
  keep: number;
}

export class FileSink implements AuditSink {
  private handle: FileHandle | undefined;
  private size = 0;

  constructor(private readonly options: FileSinkOptions) {}

  async deliver(events: readonly Record<string, unknown>[]): Promise<void> {
    const text = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    const bytes = Buffer.byteLength(text);
    let handle = await this.open();
    if (this.size > 0 && this.size + bytes > this.options.maxBytes) {
      await this.rotate();
      handle = await this.open();
    }
    await handle.write(text);
    await handle.sync();
    this.size += bytes;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /**
   * Opens the file for appending. A last line cut short by a crash is removed first: its batch
   * was not acknowledged, so it is written again, whole.
   */
  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.options.path), { recursive: true, mode: 0o700 });
    const handle = await open(this.options.path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
    try {
      let size = (await handle.stat()).size;
      if (size > 0) {
        const complete = await lengthOfCompleteLines(handle, size);
        if (complete !== size) {
          await handle.truncate(complete);
          size = complete;
        }
      }
      this.size = size;
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.handle = handle;
    return handle;
  }

  private async rotate(): Promise<void> {
    await this.close();
    const { path, keep } = this.options;
    if (keep === 0) {
      await rm(path, { force: true });
      return;
    }
    await rm(`${path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      if (await exists(`${path}.${n}`)) await rename(`${path}.${n}`, `${path}.${n + 1}`);
    }
    await rename(path, `${path}.1`);
  }
}

/** The length of the file up to and including its last newline. */
async function lengthOfCompleteLines(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
