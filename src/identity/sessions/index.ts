// Session tokens (JWE) and the server key file they are encrypted with. See ../README.md.
export { SessionKeys, sessionKeyFile, type SessionKey, type SessionKeyInfo } from './keys.js';
export { issueSessionToken, verifySessionToken, DEFAULT_SESSION_TTL_MS, SESSION_ISSUER, type IssuedSession, type VerifiedSession } from './tokens.js';
export { SessionKeyFileInsecure, SessionKeyFileInvalid, NoSessionKey } from './errors.js';
