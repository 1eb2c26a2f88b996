// What people ask a provider directly, outside a workflow: the native roles a role may inherit
// (to write roles without the cloud console), and, for an active lease, short-lived credentials
// or a console sign-in URL. Credentials and URLs are secrets: handed to the lease's requester
// only, never stored, never logged; the audit records that they were issued, never what.
import {
  Conflict,
  Forbidden,
  LeaseError,
  NotFound,
  identityKey,
  identityMatches,
  sameIdentity,
  type Clock,
  type Identity,
  type Logger,
} from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { AccessCredentials, AccessProvider, ActiveLease, GrantRecord, NativeRole, ProviderInstance, SshCertificate } from '../../providers/index.js';
import type { RequestRecord, Store } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import { toGrantRole } from './access-directory.js';

export interface ProviderQueryDeps {
  store: Store;
  config: LoadedConfig;
  providers: Map<string, ProviderInstance>;
  access: AccessControl;
  clock: Clock;
  logger: Logger;
  /** The request as `identity` may see it (GET /requests/{id}'s rule); 404 request_not_found otherwise. */
  visibleRequest(identity: Identity, id: string): Promise<RequestRecord>;
}

export const DEFAULT_NATIVE_ROLE_LIMIT = 100;

export class ProviderQueries {
  constructor(private readonly deps: ProviderQueryDeps) {}

  /**
   * The provider's native roles, for administrators and for whoever may request some enabled
   * role on it: a cloud's catalog can name an organisation's own policies, so people with no
   * business on a target do not browse it. Provider ids themselves are public (GET /providers).
   */
  async nativeRoles(identity: Identity, providerId: string, query: { search?: string; limit?: number }): Promise<NativeRole[]> {
    const { config, providers, access } = this.deps;
    const provider = providers.get(providerId);
    if (!provider) throw new NotFound('provider_not_found', `provider "${providerId}" is not configured`, 'id');
    const requestable = [...config.roles.values()].some((r) => r.enabled && r.providers.includes(providerId) && identityMatches(identity, r.requesters));
    if (!requestable && !access.isAdmin(identity)) {
      throw new Forbidden('provider_not_requestable', `you may request no role on provider "${providerId}", so you cannot list its native roles`, 'id');
    }
    const list = provider.access?.listNativeRoles?.bind(provider.access);
    if (!list) throw notSupported(provider, 'lists no native roles');
    if (!provider.enabled) throw new Conflict('provider_disabled', `provider "${providerId}" is disabled`);
    const limit = query.limit ?? DEFAULT_NATIVE_ROLE_LIMIT;
    const roles = await this.ask(providerId, 'list native roles', () => list({ ...(query.search ? { search: query.search } : {}), limit }));
    return roles.slice(0, limit).map((r) => ({ id: r.id, name: r.name, ...(r.description ? { description: r.description } : {}) }));
  }

  /** Short-lived credentials for the caller's own active lease. */
  async credentials(identity: Identity, requestId: string): Promise<AccessCredentials> {
    const { provider, record, lease, request } = await this.activeLease(identity, requestId, 'credentials');
    const issued = await this.ask(request.provider, 'issue credentials', () => provider.credentials!(record, lease));
    const credentials = documentedFields(issued);
    await this.issued(identity, request, { kind: issued.kind, expiration: issued.expiration });
    return credentials;
  }

  /** A console sign-in URL for the caller's own active lease. */
  async consoleUrl(identity: Identity, requestId: string): Promise<{ url: string }> {
    const { provider, record, lease, request } = await this.activeLease(identity, requestId, 'consoleUrl');
    const url = await this.ask(request.provider, 'make a console sign-in URL', () => provider.consoleUrl!(record, lease));
    await this.issued(identity, request, { kind: 'console_url' });
    return { url };
  }

  /** An SSH certificate for the caller's public key, for their own active lease (type ssh). */
  async sshCertificate(identity: Identity, requestId: string, publicKey: string): Promise<SshCertificate> {
    const { provider, record, lease, request } = await this.activeLease(identity, requestId, 'sshCertificate');
    const signed = await this.ask(request.provider, 'sign an SSH certificate', () => provider.sshCertificate!(record, lease, publicKey), { passRefusals: true });
    await this.issued(identity, request, { kind: 'ssh_certificate', serial: signed.serial, key_id: signed.keyId, valid_before: signed.validBefore });
    return signed;
  }

  /** The SSH CA public key of a provider (public: hosts put it in TrustedUserCAKeys). */
  sshCaPublicKey(providerId: string): string {
    const provider = this.sshProvider(providerId, 'sshCaPublicKey');
    return provider.access!.sshCaPublicKey!();
  }

  /** The SSH CA's Key Revocation List (public: it names revoked certificates, nothing secret). */
  async sshKrl(providerId: string): Promise<Uint8Array> {
    const provider = this.sshProvider(providerId, 'sshKrl');
    return this.ask(providerId, 'read its KRL', () => provider.access!.sshKrl!());
  }

  private sshProvider(providerId: string, capability: 'sshCaPublicKey' | 'sshKrl'): ProviderInstance {
    const provider = this.deps.providers.get(providerId);
    if (!provider) throw new NotFound('provider_not_found', `provider "${providerId}" is not configured`, 'id');
    if (!provider.access?.[capability]) throw notSupported(provider, 'is no SSH certificate authority');
    return provider;
  }

  /**
   * The lease a credentials or console call is for. Someone who may not see the request gets the
   * same 404 as for an id that does not exist, so ids cannot be probed; those who may see it
   * (approvers, administrators) but did not request it get 403: the secrets are the requester's.
   */
  private async activeLease(identity: Identity, requestId: string, capability: 'credentials' | 'consoleUrl' | 'sshCertificate') {
    const { store, providers, config, clock } = this.deps;
    const request = await this.deps.visibleRequest(identity, requestId);
    if (!sameIdentity(request.identity, identity)) {
      throw new Forbidden('not_requester', `only the requester of ${requestId} may fetch its ${WHAT[capability]}`, 'id');
    }
    if (request.status !== 'active') throw new Conflict('not_active', `request ${requestId} is ${request.status}: only an active lease has credentials`);
    if (request.expires_at === null || Date.parse(request.expires_at) <= clock.now()) {
      throw new Conflict('lease_expired', `the lease of ${requestId} has expired and is being revoked`);
    }
    const instance = providers.get(request.provider);
    const provider = instance?.access;
    if (!instance || !provider?.[capability]) {
      throw notSupported(instance ?? { id: request.provider, type: 'unknown' }, LACKS[capability]);
    }
    const grant = await store.grants.get(request.id, request.provider);
    if (!grant || grant.revoked_at) throw new Conflict('not_active', `request ${requestId} has no grant in force`);
    const role = config.roles.get(request.role);
    if (!role) throw new Conflict('role_not_found', `role "${request.role}" is no longer configured`);
    const lease: ActiveLease = { requestId: request.id, identity: request.identity, role: toGrantRole(role), expiresAt: request.expires_at };
    return { provider: provider as AccessProvider, record: grant.record as GrantRecord, lease, request };
  }

  /** The audit entry for issued secrets: who, which lease, what kind; never the secret itself. */
  private async issued(identity: Identity, request: RequestRecord, data: Record<string, string>): Promise<void> {
    await this.deps.store.audit.append({ actor: identityKey(identity), action: 'credentials.issued', subject: request.id, data: { provider: request.provider, ...data } });
    this.deps.logger.info({ request: request.id, user: identityKey(identity), provider: request.provider, kind: data.kind }, 'credentials issued');
  }

  /**
   * Calls the provider. The target being unavailable stays a 503 (try again); any other failure
   * is the provider's (502) — never a 4xx, which would read as a fault in the caller's request.
   */
  private async ask<T>(providerId: string, what: string, call: () => Promise<T>, options: { passRefusals?: boolean } = {}): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof LeaseError && err.status === 503) throw err;
      // A refusal of what the caller sent (an SSH public key that is no key) is the caller's 4xx.
      if (options.passRefusals && err instanceof LeaseError && (err.status === 400 || err.status === 409)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn({ provider: providerId, err: message }, `provider cannot ${what}`);
      throw new LeaseError('provider_failed', `provider "${providerId}" cannot ${what}: ${message}`, { status: 502, cause: err });
    }
  }
}

/** Only the documented fields leave the server, whatever else the provider returned. */
function documentedFields(issued: AccessCredentials): AccessCredentials {
  switch (issued.kind) {
    case 'aws':
      return {
        kind: issued.kind,
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken,
        expiration: issued.expiration,
        ...(issued.region ? { region: issued.region } : {}),
      };
    case 'postgresql':
      return {
        kind: issued.kind,
        url: issued.url,
        host: issued.host,
        port: issued.port,
        database: issued.database,
        username: issued.username,
        password: issued.password,
        expiration: issued.expiration,
        ...(issued.sslmode ? { sslmode: issued.sslmode } : {}),
      };
  }
}

const WHAT = { credentials: 'credentials', consoleUrl: 'console sign-in URL', sshCertificate: 'SSH certificate' } as const;
const LACKS = { credentials: 'issues no credentials', consoleUrl: 'has no console sign-in', sshCertificate: 'signs no SSH certificates' } as const;

function notSupported(provider: Pick<ProviderInstance, 'id' | 'type'>, what: string): LeaseError {
  return new LeaseError('not_supported', `provider "${provider.id}" (type ${provider.type}) ${what}`, { status: 400 });
}
