import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GrantRole } from '../provider.js';
import { awsError } from './clients.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import { awsActions, awsResources, awsTime, policyDocument, roleStatements } from './policy.js';

const role: GrantRole = {
  id: 'ops',
  name: 'Ops',
  permissions: { allow: ['ec2:Describe*', 's3:GetObject', 'compute.instances.list', 'ec2:Describe*'], deny: ['ec2:TerminateInstances', 'rm -rf'] },
  resources: { allow: ['arn:aws:s3:::logs/*', 'projects/p1', 'host-1'], deny: ['arn:aws:s3:::logs/secret/*'] },
  nativeRoles: ['aws:ReadOnlyAccess'],
};

describe('IAM policy statements', () => {
  test('keeps only AWS actions and resources; aws:* and * mean every resource', () => {
    assert.deepEqual(awsActions(role.permissions.allow), ['ec2:Describe*', 's3:GetObject']);
    assert.deepEqual(awsResources(['aws:*', 'arn:aws:s3:::x']), ['*']);
    assert.deepEqual(awsResources(['projects/p1']), []);
  });

  test('every Allow ends at the expiry; a Deny-all from the expiry on backs it up', () => {
    const expiresAt = '2030-01-02T03:04:05.678Z';
    const statements = roleStatements(role, { expiresAt });
    assert.equal(awsTime(expiresAt), '2030-01-02T03:04:05Z');
    assert.deepEqual(statements, [
      { Sid: 'LeaseAllow', Effect: 'Allow', Action: ['ec2:Describe*', 's3:GetObject'], Resource: ['arn:aws:s3:::logs/*'], Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-02T03:04:05Z' } } },
      { Sid: 'LeaseDenyActions', Effect: 'Deny', Action: ['ec2:TerminateInstances'], Resource: ['*'] },
      { Sid: 'LeaseDenyResources', Effect: 'Deny', Action: ['*'], Resource: ['arn:aws:s3:::logs/secret/*'] },
      { Sid: 'LeaseExpired', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-02T03:04:05Z' } } },
    ]);
  });

  test('without an expiry no statement has a condition; no AWS resources means every resource', () => {
    const statements = roleStatements({ ...role, resources: { allow: [], deny: [] } });
    assert.ok(statements.every((s) => s.Condition === undefined));
    assert.deepEqual(statements[0]?.Resource, ['*']);
    assert.deepEqual(JSON.parse(policyDocument(statements)).Version, '2012-10-17');
    assert.deepEqual(roleStatements({ ...role, permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] } }, { expiresAt: '2030-01-01T00:00:00Z' }), []);
  });
});

describe('AWS errors', () => {
  const sdkError = (name: string, message: string, status?: number) => Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' } : {}) });

  test('AccessDenied names the missing action; NoSuchEntity is not found; throttling, 5xx and no answer are transient', () => {
    const denied = awsError('aws provider "p"', 'CreateRole', sdkError('AccessDenied', 'User: arn:aws:iam::123456789012:user/lease is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/lease/p/lease-req_1', 403));
    assert.ok(denied instanceof TargetRefused && denied.code === 'target_permission_denied' && denied.missingPermission === 'iam:CreateRole' && denied.status === 403);
    assert.ok((awsError('p', 'GetUser', sdkError('NoSuchEntityException', 'no', 404)) as TargetRefused).code === 'target_not_found');
    assert.ok(awsError('p', 'x', sdkError('Throttling', 'Rate exceeded', 400)) instanceof TargetUnavailable);
    assert.ok(awsError('p', 'x', sdkError('ServiceFailure', 'oops', 500)) instanceof TargetUnavailable);
    assert.ok(awsError('p', 'x', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) instanceof TargetUnavailable);
    assert.ok((awsError('p', 'x', sdkError('MalformedPolicyDocument', 'bad', 400)) as TargetRefused).code === 'target_refused');
  });
});
