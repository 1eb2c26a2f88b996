// Which files make up a config location: a single file, or every `*.yaml` / `*.yml` file in a
// directory and its subdirectories (Thand's examples are split by kind: roles/, providers/,
// workflows/), ordered by path so merging is reproducible. Hidden directories (`.git`, a
// `.lease` data directory) are skipped, and symbolic links to directories are not followed.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const YAML_FILE = /\.ya?ml$/i;

/** The files, or why there are none (the caller says where the location came from). */
export type ConfigFiles = { files: string[] } | { problem: string };

export async function listConfigFiles(location: string): Promise<ConfigFiles> {
  try {
    if (!(await stat(location)).isDirectory()) return { files: [location] };
    const files = await yamlFilesUnder(location);
    return files.length > 0 ? { files } : { problem: 'no *.yaml or *.yml files in this directory or its subdirectories' };
  } catch (err) {
    return { problem: describeFsError(err) };
  }
}

/** A directory's own files first, then each subdirectory's, each group in name order. */
async function yamlFilesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = entries.filter((entry) => !entry.isDirectory() && YAML_FILE.test(entry.name)).map((entry) => join(dir, entry.name));
  for (const entry of entries) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) files.push(...(await yamlFilesUnder(join(dir, entry.name))));
  }
  return files;
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}
