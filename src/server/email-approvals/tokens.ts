// Approval link tokens: who a link was mailed to (the address), for which request, what it may
// do (`decide`: approve or deny), its id (single use: the store remembers redeemed ids until
// they expire) and its expiry. Encrypted and authenticated (JWE, `dir` + A256GCM) with a key
// derived by HKDF from the server's session key set, so nothing new is stored and no one but
// the server can read, forge or alter a link; the derivation keeps the two uses apart (a session
// token is never a link token, nor the reverse). A token is a credential: never log it, never
// put it in an error message.
import { hkdfSync } from 'node:crypto';
import type * as Jose from 'jose';
import { LeaseError, newId } from '../../core/index.js';
import type { SessionKeys } from '../../identity/index.js';

const ISSUER = 'lease';
const AUDIENCE = 'lease/email-approval';
const HKDF_INFO = 'lease/email-approval/v1';
/** Far above any real token; bounds work on garbage input. */
export const MAX_LINK_TOKEN_LENGTH = 2048;

let jose: Promise<typeof Jose> | undefined;
const loadJose = () => (jose ??= import('jose'));

export type LinkIntent = 'decide';

export interface ApprovalLink {
  /** The link's id: what single use remembers. */
  jti: string;
  /** The address it was mailed to, lower-cased: only an identity with this verified address may use it. */
  address: string;
  requestId: string;
  intent: LinkIntent;
  /** Epoch ms. */
  expiresAtMs: number;
}

/** A link that is not one of ours, altered, or for a revoked key (400). */
export class ApprovalLinkInvalid extends LeaseError {
  constructor() {
    super('link_invalid', 'this approval link is not valid (damaged, or not from this server); ask for the request to be sent again', { status: 400 });
  }
}

/** A genuine link past its expiry (410). */
export class ApprovalLinkExpired extends LeaseError {
  /** What the genuine (decrypted) link said, for the audit trail. */
  readonly link: Partial<ApprovalLink>;

  constructor(link: Partial<ApprovalLink> = {}) {
    super('link_expired', 'this approval link has expired; decide with `lease approve` / `lease deny` or on the web page', { status: 410 });
    this.link = link;
  }
}

function linkKey(sessionKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', sessionKey, new Uint8Array(0), HKDF_INFO, 32));
}

/** Mints a link token for `address` on `requestId`, valid `ttlMs` from `now`. */
export async function issueApprovalLink(
  keys: SessionKeys,
  link: { address: string; requestId: string },
  options: { now: number; ttlMs: number },
): Promise<{ token: string; link: ApprovalLink }> {
  const { EncryptJWT } = await loadJose();
  const { kid, key } = await keys.fresh();
  const exp = Math.floor((options.now + options.ttlMs) / 1000);
  const claims: ApprovalLink = { jti: newId('eml', options.now), address: link.address.toLowerCase(), requestId: link.requestId, intent: 'decide', expiresAtMs: exp * 1000 };
  const token = await new EncryptJWT({ adr: claims.address, req: claims.requestId, act: claims.intent })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, typ: 'lease-email-link' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(options.now / 1000))
    .setExpirationTime(exp)
    .setJti(claims.jti)
    .encrypt(linkKey(key));
  return { token, link: claims };
}

/** The link in `token`; ApprovalLinkExpired for a genuine expired one, ApprovalLinkInvalid for anything else. */
export async function verifyApprovalLink(keys: SessionKeys, token: string, options: { now: number }): Promise<ApprovalLink> {
  if (token.length === 0 || token.length > MAX_LINK_TOKEN_LENGTH) throw new ApprovalLinkInvalid();
  const { errors: joseErrors, jwtDecrypt } = await loadJose();
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtDecrypt(
      token,
      async (header) => {
        const key = typeof header.kid === 'string' ? await keys.resolve(header.kid) : undefined;
        if (key === undefined || header.typ !== 'lease-email-link') throw new joseErrors.JWKSNoMatchingKey();
        return linkKey(key);
      },
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(options.now),
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
        requiredClaims: ['iat', 'exp', 'jti'],
      },
    ));
  } catch (err) {
    // Expiry is checked only after decryption succeeded, so only genuine links read "expired".
    if (err instanceof joseErrors.JWTExpired) {
      const { adr, req, jti } = err.payload;
      throw new ApprovalLinkExpired({ ...(typeof adr === 'string' ? { address: adr } : {}), ...(typeof req === 'string' ? { requestId: req } : {}), ...(typeof jti === 'string' ? { jti } : {}) });
    }
    throw new ApprovalLinkInvalid();
  }
  const { adr, req, act, jti, exp } = payload;
  if (typeof adr !== 'string' || typeof req !== 'string' || act !== 'decide' || typeof jti !== 'string' || typeof exp !== 'number') throw new ApprovalLinkInvalid();
  return { jti, address: adr, requestId: req, intent: act, expiresAtMs: exp * 1000 };
}
