#!/usr/bin/env node
// The `lease` executable: runs the bundled CLI (dist/bundle/, built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The server's file I/O (sudoers drop-ins), password hashing and token crypto share libuv's
// thread pool (default 4 threads, sized when first used): give it room before anything runs.
process.env.UV_THREADPOOL_SIZE ??= '16';

const entry = new URL('../dist/bundle/lease.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('lease: dist/ is missing; run `npm install` (or `npm run build`) first');
  process.exit(1);
}
await import(entry.href);
