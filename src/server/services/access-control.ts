// Who may do what beyond their own requests. Administrators (config `server.admins`: users and
// groups, same matching as role scopes) may read the audit log, list and revoke anyone's requests.
import { identityInScope, type Identity } from '../../core/index.js';

export interface AccessControl {
  isAdmin(identity: Identity): boolean;
}

export function createAccessControl(admins: { users?: string[]; groups?: string[] } | undefined): AccessControl {
  const scopes = { users: admins?.users ?? [], groups: admins?.groups ?? [] };
  return { isAdmin: (identity) => identityInScope(identity, scopes) };
}
