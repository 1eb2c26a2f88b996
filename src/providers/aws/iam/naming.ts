// How Lease names what it makes in IAM, so that one request's artefacts are found (and removed)
// by its id alone and never confused with another's: a role `lease-<request id>` under the path
// `/lease/<provider id>/`, and an inline user policy `lease-<request id>`.
import { TargetRefused } from '../../cloud/index.js';

export const NAME_PREFIX = 'lease-';
/** The role's inline policy (one per role: the role is the request's own). */
export const ROLE_POLICY_NAME = 'lease';
export const TAG_REQUEST = 'lease:request';
export const TAG_PROVIDER = 'lease:provider';
export const TAG_EXPIRES = 'lease:expires';
export const TAG_USER = 'lease:user';

/** IAM role and policy names: letters, digits and + = , . @ _ -; a role name at most 64. */
const REQUEST_ID = /^[\w+=,.@-]{1,58}$/;

export function artefactName(requestId: string): string {
  if (!REQUEST_ID.test(requestId)) throw new TargetRefused('target_refused', `request id ${JSON.stringify(requestId)} cannot name an IAM role`);
  return `${NAME_PREFIX}${requestId}`;
}

/** The request id an artefact's name carries, if it is Lease's. */
export function requestIdOf(name: string): string | undefined {
  if (!name.startsWith(NAME_PREFIX)) return undefined;
  const id = name.slice(NAME_PREFIX.length);
  return REQUEST_ID.test(id) ? id : undefined;
}

/** `/lease/<provider id>/`: where this provider's roles live (ListRoles PathPrefix). */
export function rolePath(providerId: string): string {
  return `/lease/${providerId.replace(/[^\x21-\x7e]|\//g, '_')}/`;
}

/** Tag values allow letters, digits, spaces and _ . : / = + - @. */
export function tagValue(value: string): string | undefined {
  return /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u.test(value) ? value : undefined;
}
