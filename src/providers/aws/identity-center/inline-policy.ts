// PLACEHOLDER until ../policy.ts (h/aws-iam) is merged: the role's permissions and resources as an
// IAM policy document, without a time condition (a permission set is shared by leases).
import type { GrantRole } from '../../provider.js';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}

export function roleStatements(role: GrantRole): Statement[] {
  const statements: Statement[] = [];
  const resources = role.resources.allow.length > 0 ? role.resources.allow : ['*'];
  if (role.permissions.allow.length > 0) statements.push({ Effect: 'Allow', Action: role.permissions.allow, Resource: resources });
  if (role.permissions.deny.length > 0) statements.push({ Effect: 'Deny', Action: role.permissions.deny, Resource: ['*'] });
  if (role.resources.deny.length > 0) statements.push({ Effect: 'Deny', Action: ['*'], Resource: role.resources.deny });
  return statements;
}

export function policyDocument(statements: Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
