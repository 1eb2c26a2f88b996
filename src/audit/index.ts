// audit/: the rules of the hash-chained audit log (canonical form, hashing, redaction, chain
// checks). Persistence lives in store/ (`store.audit`), which applies these rules.
export { canonicalJson, CanonicalJsonError } from './canonical-json.js';
export { redactSecrets, REDACTED, SECRET_KEY_PATTERN } from './redact.js';
export { hashAuditEntry, hashAuditEntryJson, GENESIS_HASH, type AuditHashInput } from './hash.js';
export { ChainVerifier, type ChainedEntry, type ChainBreak, type ChainStart } from './chain.js';
export { checkpointKeyId, checkpointSignatureValid, signCheckpoint, type AuditCheckpoint, type UnsignedCheckpoint } from './checkpoint.js';
export { AUDIT_ACTIONS, entryOfEvent, requestIdOf, toAuditEvent, type AuditActionInfo, type AuditEntryLike, type AuditEvent, type OcsfKind, type SubjectKind } from './events.js';
export { buildArchive, verifyArchive, type ArchiveHeader, type ArchiveVerdict } from './archive.js';
