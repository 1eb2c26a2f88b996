// runtime/temporal/: the Temporal runtime. See README.md.
export { TemporalRuntime, type TemporalRuntimeOptions } from './client.js';
export { runWorker, type LeaseWorkerOptions, type RunningWorker } from './worker.js';
export { leaseWorkflowBundle, writeLeaseWorkflowBundle, prebuiltWorkflowBundle, type BundleManifest, type PrebuiltBundle } from './bundle.js';
export { createLeaseActivities, type LeaseActivityDeps } from './activities.js';
export { temporalSettings, type TemporalSettings, type TemporalPathBases } from './config.js';
export { EncryptionCodec, encryptedDataConverter, PayloadDecryptionFailed, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './codec.js';
export { PayloadKeys, PayloadKeyFileInvalid, payloadKeyFile, type PayloadKey } from './payload-keys.js';
export { isTemporalCheckpoint, type TemporalCheckpoint } from './checkpoint.js';
export { DEFAULT_TASK_QUEUE, WORKFLOW_TYPE, EVENT_SIGNAL, STATE_QUERY } from './contract.js';
export { workflowsPath, failureConverterPath, prebuiltBundlePath } from './paths.js';
