export { loadWorkflowFile } from './load-file.js';
export { runStandalone, type StandaloneResult } from './run.js';
export { createDryRunCalls, type DryRunRecord } from './dry-run-calls.js';
