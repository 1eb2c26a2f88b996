// The built-in access calls. `thand.*` names (and Thand's `thand: <name>` task form) are
// accepted as aliases of `lease.*`.
export const BUILTIN_CALLS = ['validate', 'approvals', 'authorize', 'revoke', 'notify', 'monitor'] as const;
export type BuiltinCallName = `lease.${(typeof BUILTIN_CALLS)[number]}`;

/** Maps `thand.x` to `lease.x`; other names are returned unchanged. */
export function canonicalCallName(name: string): string {
  return name.startsWith('thand.') ? `lease.${name.slice('thand.'.length)}` : name;
}

export function isBuiltinCall(name: string): name is BuiltinCallName {
  const canonical = canonicalCallName(name);
  return canonical.startsWith('lease.') && (BUILTIN_CALLS as readonly string[]).includes(canonical.slice(6));
}

/**
 * Provider operations Thand registers as workflow functions. Each acts through the provider
 * its `with.provider` names; until a provider of that kind is implemented the call loads, a
 * dry run records it, and a real run fails it with an error saying what is missing.
 */
export const PROVIDER_CALLS = ['slack.postMessage'] as const;
export type ProviderCallName = (typeof PROVIDER_CALLS)[number];

export function isProviderCall(name: string): name is ProviderCallName {
  return (PROVIDER_CALLS as readonly string[]).includes(name);
}

/** Event types: `com.thand.*` is accepted as an alias of `com.lease.*`. */
export function canonicalEventType(type: string): string {
  return type.startsWith('com.thand.') ? `com.lease.${type.slice('com.thand.'.length)}` : type;
}

/** An approver's decision: `data: {approved: boolean, approver, reason?}`. */
export const APPROVAL_EVENT = 'com.lease.approval';

/** The event that asks a running request workflow to revoke now. */
export const REVOKE_EVENT = 'com.lease.revoke';

/**
 * Moves an active lease's expiry later: `data: {expires_at}` (ISO-8601). Sent by Lease once an
 * extension is approved; the workflow re-arms its expiry timer and grants again with the new
 * expiry (providers that carry the expiry themselves update it).
 */
export const EXTEND_EVENT = 'com.lease.extend';

/** What lease.monitor watches for: alerts about a session (`com.thand.*` spellings too). */
export const ALERT_EVENTS = ['com.lease.alert', 'com.lease.alert.event', 'com.lease.monitor.event'] as const;

/**
 * The outcome code of a lease the reconciler ends because its grant vanished from the target
 * (`server.reconcile.missing: fail`): recorded before the revoke event is sent, so the revoke
 * that follows ends the request `failed` rather than `revoked`, even after a crash.
 */
export const GRANT_MISSING = 'grant_missing';
