// In-process fake, for the route and built-in call tests only (the cloud providers' own tests
// run against moto and contract servers): a held access provider (held-access-provider.fake.ts)
// that also has a native role catalog, issues credentials and console URLs, and can refuse a
// grant after making half of it, as a cloud target does when a second API call is denied.
import type { LeaseError } from '../../core/index.js';
import type { AccessCredentials, ActiveLease, GrantInput, GrantRecord, NativeRole, NativeRoleQuery } from '../../providers/index.js';
import { HeldAccessProvider } from './held-access-provider.fake.js';

export const NATIVE_ROLES: NativeRole[] = [
  { id: 'ReadOnlyAccess', name: 'ReadOnlyAccess', description: 'Read everything' },
  { id: 'AdministratorAccess', name: 'AdministratorAccess', description: 'Full access' },
  { id: 'AmazonS3ReadOnlyAccess', name: 'AmazonS3ReadOnlyAccess', description: 'Read S3 buckets' },
];

export class CloudAccessProvider extends HeldAccessProvider {
  /** Half-made grants left by a refusal: request id → what was made. */
  readonly halfMade = new Map<string, string>();
  grantAttempts = 0;
  /** Every record revoke was called with. */
  readonly revokedRecords: GrantRecord[] = [];
  /** The leases credentials were issued for. */
  readonly issuedFor: ActiveLease[] = [];
  /** The next grants are refused with this error, after half of each was made. */
  refuseGrants: LeaseError | undefined;
  /** The next revokes fail with this error. */
  failRevokes: Error | undefined;

  async listNativeRoles(query: NativeRoleQuery): Promise<NativeRole[]> {
    const search = query.search?.toLowerCase();
    const matching = NATIVE_ROLES.filter((r) => !search || `${r.id} ${r.name} ${r.description ?? ''}`.toLowerCase().includes(search));
    return matching.slice(0, query.limit ?? 100);
  }

  async credentials(record: GrantRecord, lease: ActiveLease): Promise<AccessCredentials> {
    this.issuedFor.push(lease);
    return {
      kind: 'aws',
      accessKeyId: `ASIA${record.requestId.slice(-12).toUpperCase()}`,
      secretAccessKey: `fake-secret-${record.requestId}`,
      sessionToken: `fake-session-token-${record.requestId}`,
      expiration: lease.expiresAt,
      region: 'us-east-1',
      // Something a provider might add that must never leave the server.
      ...({ internalRoleArn: 'arn:aws:iam::123456789012:role/lease-internal' } as object),
    };
  }

  async consoleUrl(record: GrantRecord): Promise<string> {
    return `https://signin.example.com/federation?Action=login&SigninToken=fake-signin-${record.requestId}`;
  }

  override async grant(input: GrantInput): Promise<GrantRecord> {
    this.grantAttempts++;
    if (this.refuseGrants) {
      this.halfMade.set(input.requestId, 'policy');
      throw this.refuseGrants;
    }
    return super.grant(input);
  }

  override async revoke(record: GrantRecord): Promise<void> {
    this.revokedRecords.push(record);
    if (this.failRevokes) throw this.failRevokes;
    this.halfMade.delete(record.requestId);
    return super.revoke(record);
  }

}
