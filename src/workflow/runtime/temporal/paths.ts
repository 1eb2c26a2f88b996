// Files the SDK loads by path: the workflow code (bundled for the sandbox) and the failure
// converter (bundled, and `require`d by clients and workers).
import { join } from 'node:path';
import { codeRoot, ownModulePath, packageRoot } from '../../../core/package-files.js';

export const workflowsPath = ownModulePath('workflow/runtime/temporal/workflows');
export const failureConverterPath = ownModulePath('workflow/runtime/temporal/failure-converter');
export const sandboxPinoPath = ownModulePath('workflow/runtime/temporal/sandbox-pino');

/**
 * The workflow bundle `npm run build` writes beside the built workflow code (dist/), with its
 * manifest (what it was built from). Absent when running from src/ under tsx.
 */
export const prebuiltBundlePath = join(packageRoot, 'dist/workflow/runtime/temporal/workflow-bundle.js');

/** The root the bundle's own inputs are named relative to in its manifest: dist/ (or src/). */
export { codeRoot };
