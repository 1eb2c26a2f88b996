// The kubernetes provider against a real kube-apiserver (test/support/kube-apiserver.ts). What
// a test checks is what the API server stores and what its authorizer answers: a
// SubjectAccessReview (`kubectl auth can-i --as <user>`) for the requester, while the lease is
// active and after its revoke.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { startKubeApiServer, waitForAccess, type KubeApiServer } from '../../../test/support/kube-apiserver.js';
import { kubernetesConfigSchema } from './config.js';
import { KubernetesAccessProvider, kubernetesProviderFactory, type KubernetesGrantData } from './provider.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
/** Carol and Dave are in the cluster's group `oidc:sre` (their tokens carry it, as an OIDC groups claim with --oidc-groups-prefix=oidc: would). */
const CAROL = 'carol@example.com';
const DAVE = 'dave@example.com';
const SRE = 'oidc:sre';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

let kube: KubeApiServer | undefined;
let skipped = false;

function provider(token?: string, id = 'k8s-prod', extra: Record<string, unknown> = {}): KubernetesAccessProvider {
  const k = kube!;
  const config = kubernetesConfigSchema.parse({ server: k.server, token: token ?? k.adminToken, ca: k.ca, ...extra });
  return new KubernetesAccessProvider(id, config, { retry: { baseDelayMs: 1 } });
}

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'pods', name: 'Pods', permissions: { allow: [], deny: [] }, resources: { allow: ['k8s:namespace/team-a', 'k8s:namespace/team-b'], deny: [] }, nativeRoles: ['kubernetes:pod-reader'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}, user = 'alice'): GrantInput {
  return {
    requestId: newId('req'),
    identity: { id: user, email: `${user}@example.com`, email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' },
    role: role(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  };
}

interface Item {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  rules?: unknown;
  subjects?: Array<{ kind: string; name: string }>;
  roleRef?: { kind: string; name: string };
}

async function labelled(kind: string, requestId: string): Promise<Item[]> {
  const r = await kube!.call<{ items: Item[] }>('GET', `${RBAC}/${kind}?labelSelector=${encodeURIComponent(`lease.dev/request=${requestId}`)}`);
  return r.body.items;
}

before(async (t) => {
  // `before` gets a suite context; requireComponent skips through it.
  kube = await startKubeApiServer(t as never, { users: [ALICE, BOB, CAROL, DAVE], groups: { [CAROL]: [SRE], [DAVE]: [SRE, 'oidc:dba'] } });
  if (!kube) {
    skipped = true;
    return;
  }
  for (const ns of ['team-a', 'team-b', 'team-c']) {
    const r: { status: number; body: unknown } = await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  // No controller-manager: the built-in view/edit/admin have no rules, so the tests bring their own.
  const clusterRole = (name: string, rules: unknown[], description?: string) =>
    kube!.call('POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, ...(description ? { annotations: { 'kubernetes.io/description': description } } : {}) }, rules });
  assert.equal((await clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }], 'Read pods')).status, 201);
  assert.equal((await clusterRole('deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }])).status, 201);
});

after(() => kube?.stop());

describe('kubernetes provider against kube-apiserver', () => {
  test('grants a ClusterRole through a RoleBinding in each namespace, labelled and annotated; revoke takes it back', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const grant = input();
    const record = await p.grant(grant);
    const data = record.data as unknown as KubernetesGrantData;
    assert.equal(data.user, ALICE);
    assert.deepEqual(data.objects.map((o) => `${o.kind} ${o.namespace}`), ['RoleBinding team-a', 'RoleBinding team-b']);
    const bindings = await labelled('rolebindings', grant.requestId);
    assert.equal(bindings.length, 2);
    for (const b of bindings) {
      assert.equal(b.metadata.labels?.['lease.dev/provider'], 'k8s-prod');
      assert.equal(b.metadata.annotations?.['lease.dev/expires-at'], grant.expiresAt);
      assert.equal(b.metadata.annotations?.['lease.dev/requester'], ALICE);
      assert.deepEqual(b.subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: ALICE }]);
      assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' });
      assert.match(b.metadata.name, /^lease-req-[0-9a-z]{26}-[0-9a-f]{10}$/);
    }
    await waitForAccess(kube!, true, ALICE, 'list', 'pods', { namespace: 'team-a' });
    await waitForAccess(kube!, true, ALICE, 'get', 'pods', { namespace: 'team-b' });
    assert.equal(await kube!.can(ALICE, 'list', 'pods', { namespace: 'team-c' }), false);
    assert.equal(await kube!.can(ALICE, 'delete', 'pods', { namespace: 'team-a' }), false);
    assert.equal(await kube!.can(BOB, 'list', 'pods', { namespace: 'team-a' }), false);
    // The user's own token, as the cluster sees it.
    assert.equal((await kube!.call('GET', '/api/v1/namespaces/team-a/pods', undefined, kube!.tokens[ALICE])).status, 200);

    await p.revoke(record);
    assert.equal((await labelled('rolebindings', grant.requestId)).length, 0);
    await waitForAccess(kube!, false, ALICE, 'list', 'pods', { namespace: 'team-a' });
    assert.equal((await kube!.call('GET', '/api/v1/namespaces/team-a/pods', undefined, kube!.tokens[ALICE])).status, 403);
  });

  test('k8s:cluster is a ClusterRoleBinding', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const grant = input({ role: role({ resources: { allow: ['k8s:cluster'], deny: [] } }) });
    const record = await p.grant(grant);
    assert.equal((await labelled('clusterrolebindings', grant.requestId)).length, 1);
    await waitForAccess(kube!, true, ALICE, 'list', 'pods');
    await waitForAccess(kube!, true, ALICE, 'list', 'pods', { namespace: 'team-c' });
    await p.revoke(record);
    await waitForAccess(kube!, false, ALICE, 'list', 'pods');
    assert.equal((await labelled('clusterrolebindings', grant.requestId)).length, 0);
  });

  test('permissions become a Role Lease makes for the lease (a ClusterRole at cluster scope), removed with it', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const permissions = { allow: ['get:pods', 'list,watch:deployments.apps', '*:configmaps', 'ec2:DescribeInstances'], deny: [] };
    const grant = input({ role: role({ id: 'built', nativeRoles: [], permissions, resources: { allow: ['k8s:namespace/team-a'], deny: [] } }) });
    const record = await p.grant(grant);
    const roles = await labelled('roles', grant.requestId);
    assert.equal(roles.length, 1);
    assert.equal(roles[0]?.metadata.name, `lease-${grant.requestId.replace('_', '-')}`);
    assert.deepEqual(roles[0]?.rules, [
      { verbs: ['*'], apiGroups: [''], resources: ['configmaps'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list', 'watch'], apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    const [binding] = await labelled('rolebindings', grant.requestId);
    assert.deepEqual(binding?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roles[0]?.metadata.name });
    await waitForAccess(kube!, true, ALICE, 'watch', 'deployments', { namespace: 'team-a', group: 'apps' });
    assert.equal(await kube!.can(ALICE, 'delete', 'configmaps', { namespace: 'team-a' }), true);
    assert.equal(await kube!.can(ALICE, 'delete', 'deployments', { namespace: 'team-a', group: 'apps' }), false);
    assert.equal(await kube!.can(ALICE, 'list', 'pods', { namespace: 'team-a' }), false);
    await p.revoke(record);
    assert.equal((await labelled('roles', grant.requestId)).length, 0);
    await waitForAccess(kube!, false, ALICE, 'watch', 'deployments', { namespace: 'team-a', group: 'apps' });

    const cluster = input({ role: role({ id: 'built', nativeRoles: ['kubernetes:deployer'], permissions, resources: { allow: ['k8s:cluster'], deny: [] } }) });
    const clusterRecord = await p.grant(cluster);
    assert.equal((await labelled('clusterroles', cluster.requestId)).length, 1);
    assert.equal((await labelled('clusterrolebindings', cluster.requestId)).length, 2);
    await waitForAccess(kube!, true, ALICE, 'delete', 'deployments', { namespace: 'team-c', group: 'apps' });
    await waitForAccess(kube!, true, ALICE, 'get', 'pods', { namespace: 'team-c' });
    await p.revoke(clusterRecord);
    assert.equal((await labelled('clusterroles', cluster.requestId)).length, 0);
    await waitForAccess(kube!, false, ALICE, 'get', 'pods', { namespace: 'team-c' });
  });

  test('overlapping leases of the same user and role are independent bindings', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const first = await p.grant(input());
    const second = await p.grant(input());
    await waitForAccess(kube!, true, ALICE, 'list', 'pods', { namespace: 'team-a' });
    await p.revoke(first);
    assert.equal((await labelled('rolebindings', second.requestId)).length, 2);
    // Still allowed by the second lease, however long we look.
    for (let i = 0; i < 5; i++) assert.equal(await kube!.can(ALICE, 'list', 'pods', { namespace: 'team-a' }), true);
    await p.revoke(second);
    await waitForAccess(kube!, false, ALICE, 'list', 'pods', { namespace: 'team-a' });
  });

  test('a grant is idempotent per request id: twice gives the same objects, once', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const grant = input({ role: role({ permissions: { allow: ['get:secrets'], deny: [] } }) });
    const a = await p.grant(grant);
    const versions = async () => (await Promise.all(['rolebindings', 'roles'].map((kind) => labelled(kind, grant.requestId)))).flat().map((o) => `${o.metadata.namespace}/${o.metadata.name}@${(o.metadata as { resourceVersion?: string }).resourceVersion}`).sort();
    const before = await versions();
    const b = await p.grant(grant);
    assert.deepEqual(a, b);
    assert.equal((await labelled('rolebindings', grant.requestId)).length, 4);
    assert.equal((await labelled('roles', grant.requestId)).length, 2);
    assert.deepEqual(await versions(), before, 'nothing was written again');
    // The same request granted again with other permissions (a role edited meanwhile): its Role follows.
    await p.grant({ ...grant, role: role({ permissions: { allow: ['list:secrets'], deny: [] } }) });
    for (const r of await labelled('roles', grant.requestId)) assert.deepEqual(r.rules, [{ verbs: ['list'], apiGroups: [''], resources: ['secrets'] }]);
    await p.revoke(a);
  });

  test('revoke with empty data finds everything by label; revoking what is gone (or a binding deleted by hand) succeeds', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const grant = input({ role: role({ permissions: { allow: ['get:secrets'], deny: [] } }) });
    const record = await p.grant(grant);
    await p.revoke({ provider: 'k8s-prod', requestId: grant.requestId, data: {} });
    for (const kind of ['rolebindings', 'roles']) assert.equal((await labelled(kind, grant.requestId)).length, 0, kind);
    await p.revoke(record);
    await p.revoke({ provider: 'k8s-prod', requestId: grant.requestId, data: {} });

    // A record older than what the request has on the cluster (a re-grant after a role edit): the labelled rest goes too.
    const stale = await p.grant(input({ role: role({ permissions: { allow: ['get:secrets'], deny: [] } }) }));
    await p.revoke({ ...stale, data: { ...stale.data, objects: (stale.data as unknown as KubernetesGrantData).objects.slice(0, 1) } });
    for (const kind of ['rolebindings', 'roles']) assert.equal((await labelled(kind, stale.requestId)).length, 0, kind);

    const other = await p.grant(input());
    const [byHand] = (other.data as unknown as KubernetesGrantData).objects;
    assert.equal((await kube!.call('DELETE', `${RBAC}/namespaces/${byHand!.namespace}/rolebindings/${byHand!.name}`)).status, 200);
    await p.revoke(other);
    assert.equal((await labelled('rolebindings', other.requestId)).length, 0);
  });

  test("listActive lists this provider's grants by label, with what revoke needs; another provider id's are not listed", async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    const grant = input({ role: role({ permissions: { allow: ['get:secrets'], deny: [] } }) });
    const record = await p.grant(grant);
    const elsewhere = provider(undefined, 'k8s-staging');
    const theirs = await elsewhere.grant(input());
    const listed = (await p.listActive()).find((g) => g.requestId === grant.requestId);
    assert.ok(listed);
    const data = listed.data as unknown as KubernetesGrantData;
    assert.equal(data.user, ALICE);
    assert.deepEqual(new Set(data.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`)), new Set((record.data as unknown as KubernetesGrantData).objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`)));
    assert.ok(!(await p.listActive()).some((g) => g.requestId === theirs.requestId));
    assert.ok((await elsewhere.listActive()).some((g) => g.requestId === theirs.requestId));
    // Its bindings deleted by hand: the Role left grants nothing, so the lease is not listed (the reconciler finds it missing).
    for (const o of data.objects.filter((x) => x.kind === 'RoleBinding')) await kube!.call('DELETE', `${RBAC}/namespaces/${o.namespace}/rolebindings/${o.name}`);
    assert.ok(!(await p.listActive()).some((g) => g.requestId === grant.requestId));
    await p.revoke({ provider: 'k8s-prod', requestId: grant.requestId, data: {} });
    assert.equal((await labelled('roles', grant.requestId)).length, 0);
    await elsewhere.revoke(theirs);
  });

  test("a 403 is TargetRefused naming what Lease's credential lacks; a credential that may bind but not escalate is refused too", async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const limited = provider(kube!.limitedToken);
    const grant = input({ role: role({ resources: { allow: ['k8s:namespace/team-a'], deny: [] } }) });
    // It may read ClusterRoles and create RoleBindings, but does not hold pod-reader's rights nor may it bind.
    await kube!.call('POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'lease-limited' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get', 'list'] }] });
    await kube!.call('POST', `${RBAC}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'lease-limited' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'lease-limited' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lease-limited' } });
    await waitForAccess(kube!, true, 'lease-limited', 'get', 'clusterroles', { group: 'rbac.authorization.k8s.io' });
    const err = await limited.grant(grant).then(() => assert.fail('expected a refusal'), (e: unknown) => e);
    assert.ok(err instanceof TargetRefused, String(err));
    assert.equal(err.code, 'target_permission_denied');
    assert.equal(err.status, 403);
    assert.equal(err.missingPermission, 'create rolebindings.rbac.authorization.k8s.io in namespace team-a');
    assert.match(err.message, /lacks: create rolebindings\.rbac\.authorization\.k8s\.io in namespace team-a/);

    await kube!.call('PUT', `${RBAC}/clusterroles/lease-limited`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'lease-limited' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get', 'list'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'get', 'list', 'delete'] }] });
    await waitForAccess(kube!, true, 'lease-limited', 'create', 'rolebindings', { namespace: 'team-a', group: 'rbac.authorization.k8s.io' });
    const escalation = await limited.grant(grant).then(() => assert.fail('expected a refusal'), (e: unknown) => e);
    assert.ok(escalation instanceof TargetRefused, String(escalation));
    assert.equal(escalation.code, 'target_permission_denied');
    assert.match(escalation.missingPermission ?? '', /bind/);
    assert.equal((await labelled('rolebindings', grant.requestId)).length, 0);
  });

  test('refusals name what is missing: an unknown ClusterRole or namespace, a requester without a verified e-mail, a role granting nothing', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const p = provider();
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['kubernetes:nope'] }) })), (e: unknown) => e instanceof TargetRefused && e.code === 'target_not_found' && /ClusterRole "nope"/.test(e.message));
    const noNs = input({ role: role({ resources: { allow: ['k8s:namespace/no-such-ns'], deny: [] } }) });
    await assert.rejects(p.grant(noNs), (e: unknown) => e instanceof TargetRefused && e.code === 'target_not_found' && /no-such-ns/.test(e.message));
    const unverified = input();
    unverified.identity = { ...unverified.identity, email_verified: false };
    await assert.rejects(p.grant(unverified), /no verified e-mail/);
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: [] }) })), /grants nothing on Kubernetes/);
  });

  test('connects through an inline kubeconfig or a client certificate, as the factory builds it; lists ClusterRoles', async (t) => {
    if (skipped) return t.skip('kube-apiserver missing');
    const k = kube!;
    const fromKubeconfig = kubernetesProviderFactory.create({ id: 'kc', name: 'kc', enabled: true, config: kubernetesConfigSchema.parse({ kubeconfig: k.kubeconfig() }), deps: { dataDir: '/tmp', configDir: '/tmp' } });
    const roles = await fromKubeconfig.access!.listNativeRoles!({ search: 'reader' });
    assert.deepEqual(roles, [{ id: 'pod-reader', name: 'pod-reader', description: 'Read pods' }]);
    assert.equal((await fromKubeconfig.access!.listNativeRoles!({ limit: 2 })).length, 2);
    const withCert = kubernetesProviderFactory.create({ id: 'cert', name: 'cert', enabled: true, config: kubernetesConfigSchema.parse({ server: k.server, ca: k.ca, client_certificate: k.clientCert.cert, client_key: k.clientCert.key, username: 'id', username_prefix: 'corp:' }), deps: { dataDir: '/tmp', configDir: '/tmp' } });
    const record = await withCert.access!.grant(input());
    assert.equal((record.data as unknown as KubernetesGrantData).user, 'corp:alice');
    await waitForAccess(k, true, 'corp:alice', 'list', 'pods', { namespace: 'team-a' });
    await withCert.access!.revoke(record);
    await waitForAccess(k, false, 'corp:alice', 'list', 'pods', { namespace: 'team-a' });
  });

  describe('a role naming Kubernetes groups (resources: k8s:group/<name>) binds them instead of the requester', () => {
    const groupRole = (allow: string[] = ['k8s:namespace/team-a', `k8s:group/${SRE}`]) => role({ id: 'sre', resources: { allow, deny: [] } });
    const carol = (groups: string[] = ['sre']): GrantInput['identity'] => ({ id: 'carol', email: CAROL, email_verified: true, groups, provider: 'corp', provider_type: 'oidc' });

    test('Group subjects: every member has the access while the lease is active, nobody after its revoke; labels, listActive and idempotence as for a user', async (t) => {
      if (skipped) return t.skip('kube-apiserver missing');
      const p = provider(undefined, 'k8s-prod', { group_prefix: 'oidc:' });
      const grant = input({ identity: carol(), role: groupRole() });
      const record = await p.grant(grant);
      const data = record.data as unknown as KubernetesGrantData;
      assert.equal(data.user, CAROL);
      assert.deepEqual(data.groups, [SRE]);
      const bindings = await labelled('rolebindings', grant.requestId);
      assert.equal(bindings.length, 1);
      assert.deepEqual(bindings[0]?.subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: SRE }]);
      assert.equal(bindings[0]?.metadata.labels?.['lease.dev/provider'], 'k8s-prod');
      assert.equal(bindings[0]?.metadata.annotations?.['lease.dev/requester'], CAROL);
      assert.equal(bindings[0]?.metadata.annotations?.['lease.dev/expires-at'], grant.expiresAt);

      // Dave, another member, gets it too: that is what binding a group means.
      await waitForAccess(kube!, true, DAVE, 'list', 'pods', { namespace: 'team-a', groups: [SRE] });
      assert.equal(await kube!.can(CAROL, 'list', 'pods', { namespace: 'team-a', groups: [SRE] }), true);
      assert.equal(await kube!.can(DAVE, 'list', 'pods', { namespace: 'team-b', groups: [SRE] }), false);
      assert.equal(await kube!.can(CAROL, 'list', 'pods', { namespace: 'team-a' }), false, 'the User itself is not bound');
      assert.equal(await kube!.can(ALICE, 'list', 'pods', { namespace: 'team-a' }), false);
      // The members' own tokens, whose groups come from the authenticator (the token file).
      assert.equal((await kube!.call('GET', '/api/v1/namespaces/team-a/pods', undefined, kube!.tokens[DAVE])).status, 200);
      assert.equal((await kube!.call('GET', '/api/v1/namespaces/team-a/pods', undefined, kube!.tokens[CAROL])).status, 200);
      assert.equal((await kube!.call('GET', '/api/v1/namespaces/team-a/pods', undefined, kube!.tokens[ALICE])).status, 403);

      const listed = (await p.listActive()).find((g) => g.requestId === grant.requestId);
      assert.ok(listed);
      assert.deepEqual(listed.data, record.data);

      const versions = async () => (await labelled('rolebindings', grant.requestId)).map((o) => (o.metadata as { resourceVersion?: string }).resourceVersion);
      const before = await versions();
      assert.deepEqual(await p.grant(grant), record);
      assert.deepEqual(await versions(), before, 'nothing was written again');

      await p.revoke(record);
      assert.equal((await labelled('rolebindings', grant.requestId)).length, 0);
      await waitForAccess(kube!, false, DAVE, 'list', 'pods', { namespace: 'team-a', groups: [SRE] });
      assert.equal(await kube!.can(CAROL, 'list', 'pods', { namespace: 'team-a', groups: [SRE] }), false);
      assert.equal((await kube!.call('GET', '/api/v1/namespaces/team-a/pods', undefined, kube!.tokens[DAVE])).status, 403);
      assert.ok(!(await p.listActive()).some((g) => g.requestId === grant.requestId));
    });

    test('a requester who is not in every group the role names is refused (403 target_refused, naming the group) and nothing is made', async (t) => {
      if (skipped) return t.skip('kube-apiserver missing');
      const p = provider(undefined, 'k8s-prod', { group_prefix: 'oidc:' });
      const refused = async (identity: GrantInput['identity'], allow: string[], missing: RegExp) => {
        const grant = input({ identity, role: groupRole(allow) });
        await assert.rejects(p.grant(grant), (e: unknown) => e instanceof TargetRefused && e.code === 'target_refused' && e.status === 403 && missing.test(e.message) && /is not a member/.test(e.message));
        for (const kind of ['rolebindings', 'roles']) assert.equal((await labelled(kind, grant.requestId)).length, 0, kind);
      };
      await refused(carol([]), ['k8s:namespace/team-a', `k8s:group/${SRE}`], /"oidc:sre"/);
      // Group names are compared exactly, with group_prefix before the identity's groups.
      await refused(carol(['oidc:sre']), ['k8s:namespace/team-a', `k8s:group/${SRE}`], /"oidc:sre"/);
      await refused(carol(['SRE']), ['k8s:namespace/team-a', `k8s:group/${SRE}`], /"oidc:sre"/);
      // One group of two is not enough.
      await refused(carol(['sre']), ['k8s:namespace/team-a', `k8s:group/${SRE}`, 'k8s:group/oidc:dba'], /"oidc:dba"/);
      assert.equal(await kube!.can(DAVE, 'list', 'pods', { namespace: 'team-a', groups: [SRE, 'oidc:dba'] }), false);
      // Kubernetes' own groups are never bound, whatever the requester's groups say.
      const grant = input({ identity: carol(['system:authenticated']), role: groupRole(['k8s:namespace/team-a', 'k8s:group/system:authenticated']) });
      await assert.rejects(provider().grant(grant), (e: unknown) => e instanceof TargetRefused && /system: groups/.test(e.message));
    });
  });
});
