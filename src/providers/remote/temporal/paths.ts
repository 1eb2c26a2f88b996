// The host task workflow file, which the host's worker bundles by path.
import { ownModulePath } from '../../../core/package-files.js';

export const hostWorkflowsPath = ownModulePath('providers/remote/temporal/workflows');
