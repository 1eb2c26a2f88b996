// Files the SDK loads by path: the workflow code (bundled for the sandbox) and the failure
// converter (bundled, and `require`d by clients and workers).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A source file beside this one: `.js` when running from dist/, `.ts` under tsx. */
function sibling(name: string): string {
  const js = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, '.ts');
}

export const workflowsPath = sibling('workflows');
export const failureConverterPath = sibling('failure-converter');
export const sandboxPinoPath = sibling('sandbox-pino');

/**
 * The workflow bundle `npm run build` writes beside the built workflow code (dist/), with its
 * manifest (what it was built from). Absent when running from src/ under tsx.
 */
export const prebuiltBundlePath = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

/** The root the bundle's own inputs are named relative to in its manifest: dist/ (or src/). */
export const codeRoot = fileURLToPath(new URL('../../../', import.meta.url));
