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

/** Which modules went into each file of dist/bundle/ (its meta.json, by path from the package root). */
async function bundleInputs(): Promise<Map<string, string[]>> {
  const meta = JSON.parse(await readFile(join(ROOT, 'dist', 'bundle', 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return new Map(Object.entries(meta.outputs).map(([output, { inputs }]) => [join(ROOT, output), Object.keys(inputs).map((input) => join(ROOT, input))]));
}

/**
 * Reads a trace written by a process started with moduleTraceEnv (after it exited). A file of
 * the bundle (dist/bundle/) counts as every module in it: its modules are loaded with it.
 */
export async function readModuleTrace(file: string): Promise<LoadedModules> {
  const packages = new Set<string>();
  const own = new Set<string>();
  const dist = join(ROOT, 'dist');
  const bundle = await bundleInputs();
  const record = (path: string) => {
    const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (inPackage) packages.add(inPackage[1] as string);
    else if (path.startsWith(`${dist}/`)) own.add(relative(dist, path));
  };
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line === '' || line.startsWith('node:')) continue;
    const path = line.startsWith('file:') ? fileURLToPath(line) : line;
    const inputs = bundle.get(path);
    if (inputs) inputs.forEach(record);
    else record(path);
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
