// The syntax check every drop-in passes before sudo can see it: `visudo -cf <file>`.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SudoersCheckFailed } from './errors.js';

/** Where visudo usually lives even when a service's PATH omits the sbin directories. */
export const SBIN_DIRS: readonly string[] = ['/usr/sbin', '/sbin'];
const CHECK_TIMEOUT_MS = 10_000;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The visudo to run: the configured path, or the first on PATH (then /usr/sbin, /sbin), or null
 * when the check is disabled (`false`) or no visudo exists (then sudo is not installed either).
 */
export function findVisudo(configured: string | false | undefined, pathEnv = process.env.PATH ?? '', sbinDirs = SBIN_DIRS): string | null {
  if (configured === false) return null;
  if (configured !== undefined) return configured;
  const dirs = [...pathEnv.split(delimiter).filter((d) => d !== ''), ...sbinDirs];
  return dirs.map((d) => join(d, 'visudo')).find(isExecutable) ?? null;
}

/** Resolves when visudo accepts the file; otherwise throws SudoersCheckFailed with visudo's message. */
export function checkSudoersFile(visudo: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(visudo, ['-c', '-f', file], { timeout: CHECK_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err === null) return resolve();
      const output = `${stderr}${stdout}`.trim();
      const detail = output !== '' ? output : err.message;
      reject(new SudoersCheckFailed(`visudo (${visudo}) rejected the sudoers rule: ${detail}`, err));
    });
  });
}
