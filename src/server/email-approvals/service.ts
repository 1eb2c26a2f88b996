// E-mail approvals: the personal links in approval mails, and what happens when one is opened.
//
// Rule (docs/providers/email.md): a link decides nothing by itself. Opening it (GET) shows the
// request; only the page's form POST decides, and only for a signed-in Lease identity (a web
// session, with the session's CSRF token) whose *verified* e-mail address is the one the link
// was mailed to. The decision then goes through RequestService.decide as that identity, on
// channel `email`, under the same rules as `lease approve` (an approver, not the requester,
// distinct approvers). Each link works once and expires (`link_ttl`). Refusals are audited as
// `email_approval.refused`; tokens are never logged or audited.
import { Forbidden, LeaseError, identityKey, sameIdentity, toIso, type Clock, type Identity, type Logger } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { SessionKeys } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { RequestRecord, Store } from '../../store/index.js';
import type { RequestView } from '../api/schemas.js';
import type { AccessControl } from '../services/access-control.js';
import type { RequestService } from '../services/requests.js';
import { resolveRecipients } from './recipients.js';
import { ApprovalLinkExpired, ApprovalLinkInvalid, issueApprovalLink, verifyApprovalLink, type ApprovalLink } from './tokens.js';

/** The path of the confirmation page; the token rides in its query. */
export const APPROVAL_PAGE_PATH = '/email-approval';

/** The link was used before (409). */
export class ApprovalLinkUsed extends LeaseError {
  constructor() {
    super('link_used', 'this approval link was already used; each link works once', { status: 409 });
  }
}

/** The signed-in identity's verified address is not the one the link was mailed to (403). */
export class ApprovalLinkNotYours extends LeaseError {
  constructor() {
    super('link_not_yours', 'this approval link was mailed to another address: sign in as the person it was sent to (with a verified e-mail address)', { status: 403 });
  }
}

/** The requester opened a link to their own request (403). */
export class OwnRequestLink extends Forbidden {
  constructor() {
    super('self_approval_forbidden', 'nobody approves their own request');
  }
}

export interface EmailApprovalsDeps {
  store: Store;
  config: LoadedConfig;
  providers: Map<string, ProviderInstance>;
  access: AccessControl;
  clock: Clock;
  logger: Logger;
  /** The server's session key set (the link key is derived from it), loaded on first use. */
  keys: () => Promise<SessionKeys>;
  /** The server's public base URL (server.url); links are made under it. */
  publicUrl: () => string;
  requests: RequestService;
}

/** What the confirmation page shows for a usable link. */
export interface LinkView {
  link: ApprovalLink;
  /** Only for a signed-in identity the link is for: the request is not shown to whoever holds the link. */
  request: RequestRecord | undefined;
}

export class EmailApprovals {
  constructor(private readonly deps: EmailApprovalsDeps) {}

  /** The addresses a notification goes to (recipients.ts). */
  recipients(request: RequestRecord, to: unknown, approvals: boolean): string[] {
    return resolveRecipients(this.deps.config, this.deps.access, request, to, approvals);
  }

  /** A personal link for `address` to decide on `request`, valid `ttlMs`. */
  async invite(request: RequestRecord, address: string, ttlMs: number): Promise<{ url: string; expires_at: string }> {
    const base = this.deps.publicUrl();
    if (base === '') throw new LeaseError('public_url_unknown', 'approval links need the server\'s public URL: set server.url', { status: 503 });
    const { token, link } = await issueApprovalLink(await this.deps.keys(), { address, requestId: request.id }, { now: this.deps.clock.now(), ttlMs });
    return { url: `${base}${APPROVAL_PAGE_PATH}?token=${token}`, expires_at: toIso(link.expiresAtMs) };
  }

  /**
   * GET: the link and its request when `identity` may use it (decides nothing). Refusals are
   * audited when the token is genuine or someone is signed in (garbage from strangers is not).
   */
  async open(token: string, identity: Identity | undefined): Promise<LinkView> {
    const link = await this.check(token, identity, 'open');
    if (identity === undefined) return { link, request: undefined };
    const request = await this.deps.store.requests.get(link.requestId);
    if (!request) return this.refuse(new ApprovalLinkInvalid(), identity, link, 'open');
    return { link, request };
  }

  /** POST: redeems the link (once) and decides as `identity` on channel `email`. */
  async confirm(identity: Identity, token: string, approved: boolean, comment: string | undefined): Promise<RequestView> {
    const link = await this.check(token, identity, 'confirm');
    if (!(await this.deps.store.email.redeemLink(link.jti, link.expiresAtMs))) return this.refuse(new ApprovalLinkUsed(), identity, link, 'confirm');
    try {
      return await this.deps.requests.decide(identity, link.requestId, approved, comment, 'email');
    } catch (err) {
      if (err instanceof LeaseError) await this.audit(err, identity, link, 'confirm');
      throw err;
    }
  }

  /** Verifies the token and, with a signed-in identity, that it is theirs, unused, not their own request. */
  private async check(token: string, identity: Identity | undefined, step: 'open' | 'confirm'): Promise<ApprovalLink> {
    let link: ApprovalLink;
    try {
      link = await verifyApprovalLink(await this.deps.keys(), token, { now: this.deps.clock.now() });
    } catch (err) {
      if (err instanceof ApprovalLinkExpired) await this.audit(err, identity, err.link, step);
      else if (err instanceof LeaseError && identity !== undefined) await this.audit(err, identity, undefined, step);
      throw err;
    }
    if (await this.deps.store.email.linkUsed(link.jti)) return this.refuse(new ApprovalLinkUsed(), identity, link, step);
    if (identity === undefined) return link;
    const address = identity.email_verified === true ? identity.email?.toLowerCase() : undefined;
    if (address !== link.address) return this.refuse(new ApprovalLinkNotYours(), identity, link, step);
    const request = await this.deps.store.requests.get(link.requestId);
    if (request && sameIdentity(request.identity, identity)) return this.refuse(new OwnRequestLink(), identity, link, step);
    return link;
  }

  private async refuse(err: LeaseError, identity: Identity | undefined, link: ApprovalLink | undefined, step: 'open' | 'confirm'): Promise<never> {
    await this.audit(err, identity, link, step);
    throw err;
  }

  private async audit(err: LeaseError, identity: Identity | undefined, link: Partial<ApprovalLink> | undefined, step: 'open' | 'confirm'): Promise<void> {
    const actor = identity ? identityKey(identity) : 'anonymous';
    await this.deps.store.audit.append({
      actor,
      action: 'email_approval.refused',
      subject: link?.requestId ?? null,
      data: { code: err.code, step, ...(link?.jti ? { link: link.jti } : {}), ...(link?.address ? { address: link.address } : {}) },
    });
    this.deps.logger.info({ request: link?.requestId, by: actor, code: err.code, step }, 'email approval link refused');
  }
}
