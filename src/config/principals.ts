// Users and groups named in config (role scopes, role approvers, server.admins) → references on
// the pair (identity provider, name) that policy compares. The rules, documented in
// docs/identity.md:
// - `<provider>:<name>` names `name` at the identity provider with that id (or, if no provider
//   has that id, at the only identity provider of that type); a prefix that is an identity type
//   or a provider id but names no configured identity provider matches no one (a warning);
// - a bare `<name>` means that name at the identity provider declared first (a warning when
//   there are several, since the name does not say which);
// - a user name that is an e-mail address also matches that address when its identity provider
//   asserts it verified; a bare address also matches it at every identity provider configured
//   with `trust_email: true`. Nothing else ever matches across identity providers.
import type { PrincipalRef } from '../core/index.js';
import type { ProviderFactory } from '../providers/index.js';
import type { IssueLog, PathSegment } from './issues.js';
import type { Sourced } from './merge.js';
import type { ProviderConfig } from './schema/index.js';

/** Without the provider registry (config-only tools), the built-in identity types. */
const IDENTITY_TYPES_WITHOUT_REGISTRY = new Set(['local', 'oidc', 'saml', 'oauth2', 'oauth2.google']);

interface DeclaredIdentityProvider {
  id: string;
  type: string;
  trustEmail: boolean;
}

/** Users and groups as config writes them. */
export interface PrincipalNames {
  users?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
}

export class PrincipalResolver {
  private constructor(
    private readonly identityProviders: readonly DeclaredIdentityProvider[],
    /** Prefixes that say "an identity provider" without naming a configured one: identity types, other providers' ids. */
    private readonly providerLike: ReadonlySet<string>,
    private readonly log: IssueLog,
  ) {}

  /** Identity providers in declaration order (files in load order, then keys in file order). */
  static fromProviders(
    providers: ReadonlyMap<string, Sourced<ProviderConfig>>,
    factories: ReadonlyMap<string, ProviderFactory> | undefined,
    log: IssueLog,
    /** Every identity type's name, from the registry (whose factories are loaded only for the configured types). */
    identityTypes?: readonly string[],
  ): PrincipalResolver {
    const declared: DeclaredIdentityProvider[] = [];
    const providerLike = new Set(identityTypes ?? (factories ? [...factories].filter(([, f]) => f.capabilities.includes('identity')).map(([name]) => name) : IDENTITY_TYPES_WITHOUT_REGISTRY));
    for (const [id, { value }] of providers) {
      providerLike.add(id);
      if (value === undefined) continue;
      const factory = factories?.get(value.provider);
      const isIdentity = factories ? factory?.capabilities.includes('identity') === true : IDENTITY_TYPES_WITHOUT_REGISTRY.has(value.provider);
      if (!isIdentity) continue;
      const config = value.config as { trust_email?: unknown } | null | undefined;
      declared.push({ id, type: factory?.type ?? value.provider, trustEmail: config?.trust_email === true });
    }
    return new PrincipalResolver(declared, providerLike, log);
  }

  /** The references for `names`, found at `path` in `file`; problems go to the log. */
  resolve(names: PrincipalNames | undefined, file: string, path: readonly PathSegment[]): PrincipalRef[] {
    const refs: PrincipalRef[] = [];
    names?.users?.forEach((entry, i) => refs.push(...this.user(entry, file, [...path, 'users', i])));
    names?.groups?.forEach((entry, i) => {
      const at = this.providerOf(entry, file, [...path, 'groups', i]);
      if (at) refs.push({ provider: at.provider, group: at.name });
    });
    return refs;
  }

  private user(entry: string, file: string, path: PathSegment[]): PrincipalRef[] {
    const at = this.providerOf(entry, file, path);
    if (!at) return [];
    const refs: PrincipalRef[] = [{ provider: at.provider, user: at.name }];
    if (!at.name.includes('@')) return refs;
    refs.push({ provider: at.provider, email: at.name });
    if (at.bare) {
      for (const idp of this.identityProviders) if (idp.trustEmail && idp.id !== at.provider) refs.push({ provider: idp.id, email: at.name });
    }
    return refs;
  }

  /** Which identity provider an entry names, and the name there; undefined when it names none. */
  private providerOf(entry: string, file: string, path: PathSegment[]): { provider: string; name: string; bare: boolean } | undefined {
    const colon = entry.indexOf(':');
    if (colon > 0) {
      const prefix = entry.slice(0, colon);
      const name = entry.slice(colon + 1);
      const byId = this.identityProviders.find((idp) => idp.id === prefix);
      const byType = this.identityProviders.filter((idp) => idp.type === prefix);
      const named = byId ?? (byType.length === 1 ? byType[0] : undefined);
      if (byId === undefined && byType.length > 1) {
        this.log.error(file, path, `"${prefix}" is the type of several identity providers (${byType.map((idp) => idp.id).join(', ')}): write <provider id>:${name}`);
        return undefined;
      }
      if (named !== undefined) {
        if (name === '') {
          this.log.error(file, path, `"${entry}" names no one: write ${prefix}:<name>`);
          return undefined;
        }
        return { provider: named.id, name, bare: false };
      }
      // `oidc:eng` with no OIDC provider configured (Thand's examples do this): nobody, not a bare name.
      if (this.providerLike.has(prefix)) {
        this.log.warn(file, path, `"${entry}" matches no one: no identity provider "${prefix}" (by id or type) is configured`);
        return undefined;
      }
    }
    const first = this.identityProviders[0];
    if (first === undefined) {
      this.log.warn(file, path, `"${entry}" matches no one: no identity provider is configured`);
      return undefined;
    }
    if (this.identityProviders.length > 1) {
      this.log.warn(
        file,
        path,
        `"${entry}" is a bare name: it means ${first.id}:${entry} (the identity provider declared first), not the same name at ${this.identityProviders
          .slice(1)
          .map((idp) => idp.id)
          .join(', ')}; write <provider>:<name> to say which`,
      );
    }
    return { provider: first.id, name: entry, bare: true };
  }
}
