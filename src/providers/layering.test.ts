// The providers' layering rule (README.md): providers/ imports no identity/ module and no
// server/ module — the server assembles the registry — so the two folders form no import circle.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const PROVIDERS = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(PROVIDERS, '..');
const FORBIDDEN = ['identity', 'server'].map((folder) => join(SRC, folder) + '/');
const SPECIFIER = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('no module under providers/ imports identity/ or server/', async () => {
  const offending: string[] = [];
  const files = await sourceFiles(PROVIDERS);
  assert.ok(files.length > 50, `found only ${files.length} provider modules`);
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? '';
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (FORBIDDEN.some((folder) => target.startsWith(folder))) offending.push(`${relative(SRC, file)} → ${specifier}`);
    }
  }
  assert.deepEqual(offending, []);
});
