// Who may do what beyond their own requests. Administrators (config `server.admins`, resolved
// to (identity provider, name) like role scopes) may read the audit log, list and revoke
// anyone's requests, and approve requests.
import { identityMatches, type Identity, type PrincipalRef } from '../../core/index.js';

export interface AccessControl {
  isAdmin(identity: Identity): boolean;
}

export function createAccessControl(admins: readonly PrincipalRef[]): AccessControl {
  return { isAdmin: (identity) => identityMatches(identity, admins) };
}
