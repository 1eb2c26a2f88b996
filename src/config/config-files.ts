// Which files make up a config location: a single file, or every `*.yaml` / `*.yml` file
// directly in a directory (not in subdirectories), in name order so merging is reproducible.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const YAML_FILE = /\.ya?ml$/i;

/** The files, or why there are none (the caller says where the location came from). */
export type ConfigFiles = { files: string[] } | { problem: string };

export async function listConfigFiles(location: string): Promise<ConfigFiles> {
  try {
    if (!(await stat(location)).isDirectory()) return { files: [location] };
    const entries = await readdir(location, { withFileTypes: true });
    const files = entries
      .filter((entry) => !entry.isDirectory() && YAML_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .map((name) => join(location, name));
    return files.length > 0 ? { files } : { problem: 'no *.yaml or *.yml files in this directory' };
  } catch (err) {
    return { problem: describeFsError(err) };
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}
