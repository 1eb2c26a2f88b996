// Part of `npm run build`, after tsc: bundles the Temporal workflow code from the built dist/
// into dist/workflow/runtime/temporal/workflow-bundle.js (+ .json, what it was built from), so
// workers start from it instead of bundling (seconds) at every start.
import { prebuiltBundlePath, writeLeaseWorkflowBundle } from '../dist/workflow/runtime/temporal/index.js';

await writeLeaseWorkflowBundle(prebuiltBundlePath);
