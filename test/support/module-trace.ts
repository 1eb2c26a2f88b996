// Which modules a real `lease` process loads: what start-up costs depend on. The process is
// started with module-trace-preload.mjs (through NODE_OPTIONS), which lists every module it loads.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lease-process.js';

const PRELOAD = fileURLToPath(new URL('./module-trace-preload.mjs', import.meta.url));

/** Environment for a `lease` process that records the modules it loads into `file`. */
export function moduleTraceEnv(file: string): NodeJS.ProcessEnv {
  return { LEASE_TEST_MODULE_TRACE: file, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PRELOAD}`.trim() };
}

export interface LoadedModules {
  /** npm packages by name (`@node-saml/node-saml`, `kysely`). */
  packages: Set<string>;
  /** Our own modules, as paths under dist/ (`server/version.js`). */
  own: Set<string>;
}

/** Reads a trace written by a process started with moduleTraceEnv (after it exited). */
export async function readModuleTrace(file: string): Promise<LoadedModules> {
  const packages = new Set<string>();
  const own = new Set<string>();
  const dist = join(ROOT, 'dist');
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line === '' || line.startsWith('node:')) continue;
    const path = line.startsWith('file:') ? fileURLToPath(line) : line;
    const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (inPackage) packages.add(inPackage[1] as string);
    else if (path.startsWith(`${dist}/`)) own.add(relative(dist, path));
  }
  return { packages, own };
}

/** The packages of `families` (exact names, or a scope like `@temporalio/`) that were loaded. */
export function loadedOf(modules: LoadedModules, families: readonly string[]): string[] {
  return [...modules.packages].filter((name) => families.some((family) => (family.endsWith('/') ? name.startsWith(family) : name === family))).sort();
}

/** Our own folders under dist/ (`store`, `workflow`...) from which a module was loaded. */
export function ownFolders(modules: LoadedModules): Set<string> {
  return new Set([...modules.own].map((path) => path.split('/')[0] as string));
}
