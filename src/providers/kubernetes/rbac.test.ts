import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TargetRefused } from '../cloud/index.js';
import type { GrantRole } from '../provider.js';
import { bindingName, clusterRolesOf, groupResourceIssue, groupsOf, objectName, parsePermission, providerLabel, rulesOf, scopesOf } from './rbac.js';

const T = 'kubernetes provider "k8s"';
const role = (overrides: Partial<GrantRole> = {}): GrantRole => ({ id: 'r', name: 'R', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [], ...overrides });

describe('kubernetes rbac', () => {
  test('scopes: k8s:namespace/<ns> and k8s:cluster, minus deny; other providers ignored; bad names refused', () => {
    assert.deepEqual(scopesOf(role({ resources: { allow: ['k8s:namespace/team-a', 'kubernetes:namespace/team-b', 'k8s:namespace/team-a', 'aws:*', 'k8s:cluster', 'k8s:namespace/gone'], deny: ['k8s:namespace/gone'] } }), T), [{ namespace: 'team-a' }, { namespace: 'team-b' }, { cluster: true }]);
    assert.throws(() => scopesOf(role({ resources: { allow: ['k8s:namespace/*'], deny: [] } }), T), (e: unknown) => e instanceof TargetRefused && /k8s:namespace\/<namespace>/.test(e.message));
    assert.throws(() => scopesOf(role({ resources: { allow: ['k8s:namespace/Team_A'], deny: [] } }), T), TargetRefused);
    assert.throws(() => scopesOf(role({ resources: { allow: ['aws:*'], deny: [] } }), T), (e: unknown) => e instanceof TargetRefused && /names no namespace or cluster/.test(e.message));
  });

  test('cluster roles from inherits: kubernetes:, k8s: or the provider id', () => {
    assert.deepEqual(clusterRolesOf(role({ nativeRoles: ['kubernetes:view', 'k8s:edit', 'k8s-prod:admin', 'aws:ReadOnlyAccess', 'kubernetes:view'] }), 'k8s-prod'), ['view', 'edit', 'admin']);
  });

  test("permissions: <verbs>:<resource>[.<group>][/<sub>], Thand's k8s:<group>/<resource>:<verbs>; other providers' actions ignored", () => {
    assert.deepEqual(parsePermission('get:pods', T, 'r'), { verbs: ['get'], group: '', resource: 'pods', text: 'get:pods' });
    assert.deepEqual(parsePermission('list,watch:deployments.apps', T, 'r')?.group, 'apps');
    assert.deepEqual(parsePermission('get:ingresses.networking.k8s.io', T, 'r')?.group, 'networking.k8s.io');
    assert.deepEqual(parsePermission('get:pods/log', T, 'r')?.resource, 'pods/log');
    assert.deepEqual(parsePermission('get:deployments.apps/scale', T, 'r'), { verbs: ['get'], group: 'apps', resource: 'deployments/scale', text: 'get:deployments.apps/scale' });
    assert.deepEqual(parsePermission('k8s:apps/deployments:list,watch', T, 'r'), { verbs: ['list', 'watch'], group: 'apps', resource: 'deployments', text: 'k8s:apps/deployments:list,watch' });
    assert.deepEqual(parsePermission('k8s:pods:get', T, 'r')?.resource, 'pods');
    assert.equal(parsePermission('ec2:DescribeInstances', T, 'r'), undefined);
    assert.equal(parsePermission('s3:GetObject', T, 'r'), undefined);
    assert.throws(() => parsePermission('get:Pods', T, 'r'), TargetRefused);
    assert.throws(() => parsePermission('k8s:pods:fly', T, 'r'), /unknown verb/);
  });

  test('rules are grouped by group and resource; a deny an allowed rule would still grant is refused', () => {
    assert.deepEqual(rulesOf(role({ permissions: { allow: ['get:pods', 'list:pods', 'list,watch:deployments.apps', '*:configmaps', 'get:configmaps', 'ec2:Describe*'], deny: ['delete:secrets'] } }), T), [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['*'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] },
    ]);
    assert.throws(() => rulesOf(role({ permissions: { allow: ['*:configmaps'], deny: ['delete:configmaps'] } }), T), /cannot deny part of what a rule allows/);
  });

  test('names are DNS-1123 and derived from the request id; label values are valid', () => {
    assert.equal(objectName('req_01abc'), 'lease-req-01abc');
    assert.match(bindingName('req_01abc', { kind: 'ClusterRole', name: 'view' }, false), /^lease-req-01abc-[0-9a-f]{10}$/);
    assert.notEqual(bindingName('req_01abc', { kind: 'ClusterRole', name: 'view' }, false), bindingName('req_01abc', { kind: 'ClusterRole', name: 'edit' }, false));
    assert.equal(bindingName('req_01abc', { kind: 'Role', name: 'lease-req-01abc' }, true), 'lease-req-01abc');
    assert.equal(providerLabel('k8s-prod'), 'k8s-prod');
    assert.match(providerLabel('k8s prod/1'), /^p-[0-9a-f]{10}$/);
  });

  test('groups: k8s:group/<name> (or kubernetes:) minus deny, as written; none → undefined (the User is bound); they are not scopes', () => {
    const r = role({ resources: { allow: ['k8s:namespace/team-a', 'k8s:group/oidc:sre', 'Kubernetes:group/dba', 'k8s:group/oidc:sre', 'k8s:group//eng/ops', 'k8s:group/old'], deny: ['k8s:group/old'] } });
    assert.deepEqual(groupsOf(r, T), ['/eng/ops', 'dba', 'oidc:sre']);
    assert.deepEqual(scopesOf(r, T), [{ namespace: 'team-a' }]);
    assert.equal(groupsOf(role({ resources: { allow: ['k8s:namespace/team-a'], deny: [] } }), T), undefined);
    assert.equal(groupsOf(role({ resources: { allow: ['k8s:group/old'], deny: ['k8s:group/old'] } }), T), undefined);
    assert.throws(() => scopesOf(role({ resources: { allow: ['k8s:group/sre'], deny: [] } }), T), /names no namespace or cluster/);
  });

  test('group names are refused when empty, with whitespace or wildcards, or Kubernetes\' own system: groups', () => {
    assert.equal(groupResourceIssue('k8s:group/oidc:sre'), undefined);
    assert.equal(groupResourceIssue('k8s:namespace/team-a'), undefined);
    assert.equal(groupResourceIssue('aws:group/x'), undefined);
    assert.match(groupResourceIssue('k8s:group/') ?? '', /expected a group name/);
    assert.match(groupResourceIssue('k8s:group/a b') ?? '', /whitespace/);
    assert.match(groupResourceIssue('k8s:group/sre-*') ?? '', /wildcards/);
    assert.match(groupResourceIssue('k8s:group/System:Masters') ?? '', /system: groups/);
    assert.match(groupResourceIssue(`k8s:group/${'a'.repeat(254)}`) ?? '', /253/);
    assert.throws(() => groupsOf(role({ resources: { allow: ['k8s:group/system:authenticated'], deny: [] } }), T), (e: unknown) => e instanceof TargetRefused && /system: groups/.test(e.message));
  });
});
