import type { Identity } from '../identity.js';
import type { PrincipalRef } from '../principals.js';

/** What policy needs to know of a role (after inheritance); config's resolved roles satisfy it. */
export interface PolicyRole {
  id: string;
  enabled: boolean;
  /** Who may request the role: its `scopes`, resolved by the config loader to (identity provider, name). */
  requesters: readonly PrincipalRef[];
  providers: string[];
  /** Identity provider ids a requester must have logged in with; empty = any. */
  authenticators: string[];
  maxDurationMs: number;
}

export interface PolicyProvider {
  id: string;
  enabled: boolean;
  /** The provider type, for messages. */
  type?: string;
  /** False when Lease has no implementation of the provider's type (default true). */
  implemented?: boolean;
}

/** The facts one decision is made on. */
export interface PolicyInput {
  identity: Identity;
  roleId: string;
  providerId: string;
  durationMs: number;
  reason: string;
  role: PolicyRole | undefined;
  provider: PolicyProvider | undefined;
}

/** One rule: returns nothing when satisfied, throws PolicyDenied with its own code when not. */
export type PolicyCheck = (input: PolicyInput) => void;
