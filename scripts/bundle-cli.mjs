// Part of `npm run build`, after tsc: bundles the `lease` command from dist/cli/main.js into
// dist/bundle/ (lease.js and the chunks it imports on demand), which bin/lease.js runs.
// A process that loads ~500 small files spends most of its start-up opening, reading and
// compiling them: the bundle makes `lease server` healthy in about two thirds of the time and
// `lease status` a third faster. Each dynamic import() stays a separate chunk, loaded only when
// that code runs (a provider type, the Temporal engine, the host agent).
// Only small pure-JavaScript packages are bundled in; every other dependency stays a package
// import (native modules, worker threads, WebAssembly and the Temporal SDK find their files by
// path). dist/bundle/meta.json says which module went into which chunk.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const BUNDLED_PACKAGES = new Set(['commander', 'hono', '@hono/node-server', 'yaml', 'zod']);

const pkg = JSON.parse(await readFile(new URL('package.json', `file://${root}`), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => !BUNDLED_PACKAGES.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const outdir = `${root}dist/bundle`;
await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { lease: 'dist/cli/main.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: '[name]-[hash]',
  // CommonJS packages bundled into an ES module call require() for Node's built-ins.
  banner: { js: "import { createRequire as __leaseCreateRequire } from 'node:module'; const require = __leaseCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
await writeFile(`${outdir}/meta.json`, JSON.stringify(result.metafile));

// The web app's browser files (ES modules, CSS, icon) are served from disk, not bundled into
// the server: copied beside the compiled server (dist/server/web/client/), where
// src/server/web/app.ts finds them from both dist/server/web/ and dist/bundle/.
const { cp } = await import('node:fs/promises');
await rm(`${root}dist/server/web/client`, { recursive: true, force: true });
await cp(`${root}src/server/web/client`, `${root}dist/server/web/client`, { recursive: true });
