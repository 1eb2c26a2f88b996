// The workflow code bundled for the SDK's sandbox. Bundling (webpack) takes seconds, so
// `npm run build` writes the bundle once beside the built code (the SDK's production path) and
// workers start from that file; a bundle that is missing or no longer matches the code it was
// built from (running from src/, or dist/ recompiled without `npm run build`) is rebuilt in
// memory instead, once per process.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, sep } from 'node:path';
import { DefaultLogger, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { codeRoot, failureConverterPath, prebuiltBundlePath, sandboxPinoPath, workflowsPath } from './paths.js';

/**
 * Modules the interpreter's imports reach that the sandbox must not (and does not) use: jq
 * runs in a local activity, id generation happens in activities. The bundler replaces them with
 * empty modules. pino is replaced by a stub (sandbox-pino.ts), as core/ calls it when loaded.
 */
const SANDBOX_IGNORED_MODULES = ['jq-web', 'crypto'];

/** What a written bundle was built from: our modules in it (by content) and the SDK's version. */
export interface BundleManifest {
  /** Version of @temporalio/workflow, the SDK half inside the bundle (it must match the worker's). */
  sdk: string;
  /** sha256 of each of our modules in the bundle, by path relative to the code root (dist/). */
  files: Record<string, string>;
}

/** The part of webpack's compiler the plugins below use (webpack is the SDK's, not ours). */
interface WebpackCompiler {
  hooks: {
    normalModuleFactory: { tap(name: string, fn: (factory: { hooks: { beforeResolve: { tap(name: string, fn: (data: { request: string }) => void): void } } }) => void): void };
    afterCompile: { tap(name: string, fn: (compilation: { modules: Iterable<{ resource?: string }> }) => void): void };
  };
}

/** `node:x` → `x`, so the ignored built-ins above resolve to empty modules (webpack refuses the scheme). */
const stripNodeScheme = {
  apply(compiler: WebpackCompiler): void {
    compiler.hooks.normalModuleFactory.tap('lease-strip-node-scheme', (factory) => {
      factory.hooks.beforeResolve.tap('lease-strip-node-scheme', (data) => {
        if (data.request.startsWith('node:')) data.request = data.request.slice('node:'.length);
      });
    });
  },
};

/** Collects the files of the modules that went into the bundle. */
function recordModules(into: Set<string>): { apply(compiler: WebpackCompiler): void } {
  return {
    apply(compiler) {
      compiler.hooks.afterCompile.tap('lease-record-modules', (compilation) => {
        for (const module of compilation.modules) if (module.resource) into.add(module.resource.split('?')[0]!);
      });
    },
  };
}

interface BuiltBundle {
  bundle: WorkflowBundle;
  /** Absolute paths of the files bundled. */
  modules: string[];
}

let building: Promise<BuiltBundle> | undefined;

function buildBundle(): Promise<BuiltBundle> {
  building ??= (async () => {
    const modules = new Set<string>();
    const bundle = await bundleWorkflowCode({
      workflowsPath,
      failureConverterPath,
      ignoreModules: SANDBOX_IGNORED_MODULES,
      logger: new DefaultLogger('WARN'),
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string | false>), pino: sandboxPinoPath } },
        plugins: [...(config.plugins ?? []), stripNodeScheme as never, recordModules(modules) as never],
      }),
    });
    return { bundle, modules: [...modules] };
  })().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

/** The workflow code, bundled now (a few seconds), once per process, shared by its workers and replays. */
export async function leaseWorkflowBundle(): Promise<WorkflowBundle> {
  return (await buildBundle()).bundle;
}

/**
 * Writes the bundle to `file` and its manifest to `file` with `.json` for `.js`. Each is
 * written to a temporary file and renamed, so a worker starting meanwhile reads either the old
 * or the new file, never half of one (a new bundle with the old manifest reads as stale).
 */
export async function writeLeaseWorkflowBundle(file: string): Promise<void> {
  const { bundle, modules } = await buildBundle();
  const files: Record<string, string> = {};
  for (const module of modules) {
    const name = ownModuleName(module);
    if (name !== undefined) files[name] = sha256(await readFile(module));
  }
  const manifest: BundleManifest = { sdk: sdkVersion(), files };
  await writeAtomically(file, bundle.code);
  await writeAtomically(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`);
}

export type PrebuiltBundle = { usable: true; codePath: string } | { usable: false; reason: string };

/**
 * Whether the bundle at `file` (default: the one `npm run build` writes) still matches the code
 * under `root` and the installed SDK: every module it was built from has the same content.
 */
export async function prebuiltWorkflowBundle(file: string = prebuiltBundlePath, root: string = codeRoot): Promise<PrebuiltBundle> {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath(file), 'utf8')) as BundleManifest;
  } catch {
    return { usable: false, reason: `no prebuilt workflow bundle at ${file}` };
  }
  if (manifest.sdk !== sdkVersion()) return { usable: false, reason: `the workflow bundle was built with @temporalio/workflow ${manifest.sdk}, ${sdkVersion()} is installed` };
  const names = Object.keys(manifest.files ?? {});
  if (names.length === 0) return { usable: false, reason: `the workflow bundle manifest ${manifestPath(file)} lists no modules` };
  for (const name of names) {
    let content: Buffer;
    try {
      content = await readFile(join(root, ...name.split('/')));
    } catch {
      return { usable: false, reason: `${name} (in the workflow bundle) is missing` };
    }
    if (sha256(content) !== manifest.files[name]) return { usable: false, reason: `${name} changed since the workflow bundle was built` };
  }
  return { usable: true, codePath: file };
}

let prebuilt: Promise<PrebuiltBundle> | undefined;

/** What a worker starts from: the prebuilt bundle's path when it is usable, else a bundle built now. */
export async function workflowBundleForWorker(onRebuild: (reason: string) => void): Promise<WorkflowBundle | { codePath: string }> {
  const found = await (prebuilt ??= prebuiltWorkflowBundle());
  if (found.usable) return { codePath: found.codePath };
  onRebuild(found.reason);
  return leaseWorkflowBundle();
}

/**
 * Our own module's path relative to the code root, `/`-separated; undefined for dependencies and
 * for the entrypoint the SDK generates (a `.cjs` that exists only in the bundler's memory).
 */
function ownModuleName(file: string): string | undefined {
  const rel = relative(codeRoot, file);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules') || !/\.[jt]s$/.test(rel)) return undefined;
  return rel.split(sep).join('/');
}

function sdkVersion(): string {
  return (createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string }).version;
}

function manifestPath(bundleFile: string): string {
  return bundleFile.replace(/\.js$/, '') + '.json';
}

function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, file);
}
