// Preloaded (`--import`) into a `lease` process by module-trace.ts: records every module the
// process loads into $LEASE_TEST_MODULE_TRACE, one file URL or path a line. ES modules (and the
// first file of each CommonJS package imported from one) pass through the load hook; CommonJS
// files required from CommonJS are listed from the require cache when the process exits.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const out = process.env.LEASE_TEST_MODULE_TRACE;
if (out && isMainThread) {
  register(new URL('./module-trace-hooks.mjs', import.meta.url), { data: { out } });
  process.on('exit', () => appendFileSync(out, Object.keys(Module._cache).map((file) => `${file}\n`).join('')));
}
