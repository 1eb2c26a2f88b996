// A credential given in config either inline (JSON text, often through ${ENV}) or as a file path
// (relative to the config file's directory).
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

/** The JSON document `value` holds, or the one in the file it names. */
export async function readJsonSecret(value: string, configDir: string): Promise<unknown> {
  const text = value.trimStart().startsWith('{') ? value : await readFile(isAbsolute(value) ? value : resolve(configDir, value), 'utf8');
  return JSON.parse(text) as unknown;
}
