// The host task workflow file, which the host's worker bundles by path.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `.js` when running from dist/, `.ts` under tsx. */
const js = fileURLToPath(new URL('./workflows.js', import.meta.url));
export const hostWorkflowsPath = existsSync(js) ? js : js.replace(/\.js$/, '.ts');
