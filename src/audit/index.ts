// audit/: the rules of the hash-chained audit log (canonical form, hashing, redaction, chain
// checks). Persistence lives in store/ (`store.audit`), which applies these rules.
export { canonicalJson, CanonicalJsonError } from './canonical-json.js';
export { redactSecrets, REDACTED, SECRET_KEY_PATTERN } from './redact.js';
export { hashAuditEntry, hashAuditEntryJson, GENESIS_HASH, type AuditHashInput } from './hash.js';
export { ChainVerifier, type ChainedEntry, type ChainBreak } from './chain.js';
