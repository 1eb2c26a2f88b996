// How Lease names and marks what it makes in IAM Identity Center, so that revoke and the
// reconciler find it again with nothing but the request id:
// - one permission set per Lease role, named `lease-<role>-<hash>` (AWS allows 32 characters of
//   [\w+=,.@-]; the hash of provider id and role id keeps two roles or two Lease providers on one
//   instance apart when the role id had to be shortened), tagged `lease:provider` and `lease:role`;
// - one tag per lease holding it, `lease:hold:<request id>` = `<user id>@<account>@<expiry>`.
//   Tag writes are per key, so two grants or revokes at once never lose each other's holder
//   (unlike a shared description). An account assignment (user, permission set, account) is
//   Lease's while at least one holder names that user and account; the last one to leave removes it.
import { createHash } from 'node:crypto';

export const PROVIDER_TAG = 'lease:provider';
export const ROLE_TAG = 'lease:role';
export const HOLD_PREFIX = 'lease:hold:';
/** AWS allows 50 tags on a permission set; two mark it as Lease's, the rest hold leases. */
export const MAX_TAGS = 50;
export const MAX_HOLDERS = MAX_TAGS - 2;
const MAX_NAME = 32;
const HASH_LENGTH = 8;

/** The permission set's name for a role: `lease-<role id, sanitised and shortened>-<8 hex>`, ≤ 32 characters. */
export function permissionSetName(providerId: string, roleId: string): string {
  const hash = createHash('sha256').update(`${providerId}\u0000${roleId}`).digest('hex').slice(0, HASH_LENGTH);
  const room = MAX_NAME - 'lease-'.length - 1 - HASH_LENGTH;
  const readable = roleId.replace(/[^\w+=,.@-]/g, '-').slice(0, room);
  return `lease-${readable}-${hash}`;
}

export interface Holder {
  requestId: string;
  /** The Identity Center user id (identity store). */
  principalId: string;
  accountId: string;
  /** ISO-8601: the lease's expiry when it was granted (informative; the server decides). */
  expiresAt: string;
}

export function holdTagKey(requestId: string): string {
  return `${HOLD_PREFIX}${requestId}`;
}

export function holdTagValue(holder: Omit<Holder, 'requestId'>): string {
  return `${holder.principalId}@${holder.accountId}@${holder.expiresAt}`;
}

/** The holder a tag names, or undefined when the tag is not a (well-formed) holder. */
export function holderOf(key: string, value: string | undefined): Holder | undefined {
  if (!key.startsWith(HOLD_PREFIX) || key.length === HOLD_PREFIX.length || value === undefined) return undefined;
  const [principalId, accountId, expiresAt, ...rest] = value.split('@');
  if (!principalId || !accountId || expiresAt === undefined || rest.length > 0) return undefined;
  return { requestId: key.slice(HOLD_PREFIX.length), principalId, accountId, expiresAt };
}

/** Every holder named by a permission set's tags. */
export function holdersOf(tags: Record<string, string>): Holder[] {
  return Object.entries(tags)
    .map(([key, value]) => holderOf(key, value))
    .filter((h): h is Holder => h !== undefined);
}
