// The `local` identity provider: users declared in config, each with a scrypt password hash.
// Meant for development and break-glass access; day-to-day logins go through OIDC or SAML.
import type { Identity } from '../../core/index.js';
import { InvalidCredentials } from '../../core/index.js';
import type { ProviderFactory } from '../../providers/index.js';
import type { IdentityProviderInstance, PasswordIdentityProvider } from '../types.js';
import type { LocalConfig, LocalUser } from './config.js';
import { localConfigSchema } from './config.js';
import { verifyPassword } from './password.js';

/**
 * Checked for unknown usernames so they cost the same scrypt work as known ones (no user
 * enumeration by timing). Same parameters as new hashes; its password is irrelevant, since the
 * result is discarded.
 */
const DUMMY_HASH = 'scrypt$16384$8$1$vF8vDxgxSYXJD64Y+vpuRw==$4KdSWMtjspmOb1uQHzkxDv0roiw8oUk3pQ9MjnEE2Is=';

export class LocalIdentityProvider implements PasswordIdentityProvider {
  readonly kind = 'password';
  readonly type = 'local';
  private readonly users: Map<string, LocalUser>;

  constructor(
    readonly id: string,
    config: LocalConfig,
  ) {
    this.users = new Map(Object.entries(config.users));
  }

  async authenticate(username: string, password: string): Promise<Identity> {
    const user = this.users.get(username);
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    if (user === undefined || !ok) throw new InvalidCredentials();
    return this.identityOf(username, user);
  }

  findByEmail(email: string): Identity | undefined {
    const wanted = email.toLowerCase();
    const found = [...this.users].filter(([, user]) => user.email?.toLowerCase() === wanted);
    // Two users with one address: the address says nothing about which one clicked.
    if (found.length !== 1) return undefined;
    const [username, user] = found[0]!;
    return this.identityOf(username, user);
  }

  private identityOf(username: string, user: LocalUser): Identity {
    return {
      id: username,
      // The address comes from the config itself: verified by definition.
      ...(user.email !== undefined ? { email: user.email, email_verified: true } : {}),
      ...(user.name !== undefined ? { name: user.name } : {}),
      groups: [...user.groups],
      provider: this.id,
      provider_type: 'local',
    };
  }
}

/** A configured `local` provider instance; its `identity` is what login uses. */
export function createLocalIdentity(args: { id: string; name: string; enabled: boolean; config: LocalConfig }): IdentityProviderInstance {
  return {
    id: args.id,
    type: 'local',
    name: args.name,
    enabled: args.enabled,
    capabilities: ['identity'],
    identity: new LocalIdentityProvider(args.id, args.config),
  };
}

export const localIdentityFactory: ProviderFactory<LocalConfig> = {
  type: 'local',
  capabilities: ['identity'],
  configSchema: localConfigSchema,
  create: (args) => createLocalIdentity(args),
};
