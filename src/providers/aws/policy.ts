// A role's permissions and resources as IAM policy statements (both modes: the IAM role's inline
// policy, an Identity Center permission set's inline policy). Only entries that are AWS's are
// used: actions `service:Action` (wildcards allowed) or `*`; resources ARNs, `*` or Thand's
// `aws:*`; a role may also carry other providers' entries (`compute.instances.list`).
import type { GrantRole } from '../provider.js';

export type PolicyCondition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: PolicyCondition;
}

const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
const ARN = /^arn:aws[\w-]*:[\w-]*:[\w-]*:(\d{12}|\*)?:\S+$/;

/** IAM's time format: ISO-8601 to the second, UTC (a fraction is cut off, so the limit is never later than the lease). */
export function awsTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 time: ${iso}`);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** `{DateLessThan: {aws:CurrentTime: <expiry>}}`: what every Allow of a lease carries. */
export function untilCondition(expiresAt: string): PolicyCondition {
  return { DateLessThan: { 'aws:CurrentTime': awsTime(expiresAt) } };
}

/** The AWS actions of a permission list. */
export function awsActions(list: readonly string[]): string[] {
  return [...new Set(list.map((entry) => entry.trim()).filter((entry) => ACTION.test(entry)))];
}

/** The AWS resources of a resource list: ARNs, and `*` for `*` or `aws:*`. */
export function awsResources(list: readonly string[]): string[] {
  const resources = list.map((entry) => entry.trim()).flatMap((entry) => (entry === '*' || entry === 'aws:*' ? ['*'] : ARN.test(entry) ? [entry] : []));
  return resources.includes('*') ? ['*'] : [...new Set(resources)];
}

/**
 * The statements for a role: one Allow of `permissions.allow` on `resources.allow` (all
 * resources when it names none of AWS's), a Deny of `permissions.deny`, a Deny of everything on
 * `resources.deny`. With `expiresAt`, every Allow carries `DateLessThan aws:CurrentTime` and a
 * last Deny of everything from that time on (`DateGreaterThan`) backs it up; without, no condition.
 */
export function roleStatements(role: GrantRole, options: { expiresAt?: string } = {}): PolicyStatement[] {
  const until = options.expiresAt !== undefined ? untilCondition(options.expiresAt) : undefined;
  const statements: PolicyStatement[] = [];
  const allow = awsActions(role.permissions.allow);
  if (allow.length > 0) {
    const resources = awsResources(role.resources.allow);
    statements.push({ Sid: 'LeaseAllow', Effect: 'Allow', Action: allow, Resource: resources.length > 0 ? resources : ['*'], ...(until ? { Condition: until } : {}) });
  }
  const denyActions = awsActions(role.permissions.deny);
  if (denyActions.length > 0) statements.push({ Sid: 'LeaseDenyActions', Effect: 'Deny', Action: denyActions, Resource: ['*'] });
  const denyResources = awsResources(role.resources.deny);
  if (denyResources.length > 0) statements.push({ Sid: 'LeaseDenyResources', Effect: 'Deny', Action: ['*'], Resource: denyResources });
  if (options.expiresAt !== undefined && statements.length > 0) {
    statements.push({ Sid: 'LeaseExpired', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateGreaterThan: { 'aws:CurrentTime': awsTime(options.expiresAt) } } });
  }
  return statements;
}

/** A policy document (JSON text, as IAM stores it: Version 2012-10-17). */
export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** IAM's size limits (characters, whitespace not counted): per role's inline policies, per user's. */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;
export const USER_INLINE_POLICY_LIMIT = 2_048;
