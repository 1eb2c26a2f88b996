// How Lease writes and recognises its conditional role bindings in a project's allow policy:
// - one binding per request and role, for one member (`user:<verified e-mail>`);
// - its condition `request.time < timestamp("<expiry>")`, so Google itself ends the access at
//   the lease's expiry, whatever happens to Lease;
// - the condition's title `lease:<request id>` (unique per request: that is how grant stays
//   idempotent, and how revoke and the reconciler find it by the request id alone), and its
//   description saying Lease made it, for which provider.
// Two overlapping leases of one person for one role are two bindings (two titles): revoking
// one leaves the other.

export interface Expr {
  title?: string;
  description?: string;
  expression: string;
  location?: string;
}

export interface Binding {
  role: string;
  members: string[];
  condition?: Expr;
}

/** An allow policy as Resource Manager v3 answers it (fields Lease does not touch are kept as they are). */
export interface Policy {
  version?: number;
  etag?: string;
  bindings?: Binding[];
  [other: string]: unknown;
}

const TITLE_PREFIX = 'lease:';
/** Google caps a condition title at 100 characters and a description at 256. */
const MAX_TITLE = 100;
const MAX_DESCRIPTION = 256;

/** Google refuses conditions on these (the legacy basic roles): Lease cannot grant them with an expiry. */
export const BASIC_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

export function titleOf(requestId: string): string {
  const title = `${TITLE_PREFIX}${requestId}`;
  if (title.length > MAX_TITLE) throw new Error(`request id ${requestId} is too long for a condition title`);
  return title;
}

/** The request id a Lease-made binding's title names, or undefined. */
export function requestIdOf(binding: Binding): string | undefined {
  const title = binding.condition?.title;
  if (title === undefined || !title.startsWith(TITLE_PREFIX)) return undefined;
  const id = title.slice(TITLE_PREFIX.length);
  return /^\S+$/.test(id) ? id : undefined;
}

/** The CEL expression that ends the binding at the expiry (RFC 3339, UTC). */
export function expiryExpression(expiresAt: string): string {
  return `request.time < timestamp("${new Date(expiresAt).toISOString()}")`;
}

export function conditionOf(providerId: string, requestId: string, expiresAt: string): Expr {
  const description = `Granted by Lease (provider ${providerId}) for request ${requestId}; ends ${new Date(expiresAt).toISOString()}.`;
  return { title: titleOf(requestId), description: description.slice(0, MAX_DESCRIPTION), expression: expiryExpression(expiresAt) };
}

/** The provider id a Lease description names, if any (a binding written by hand may name none). */
export function providerOf(binding: Binding): string | undefined {
  return /^Granted by Lease \(provider ([^)\s]+)\)/.exec(binding.condition?.description ?? '')?.[1];
}
