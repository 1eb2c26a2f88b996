// Approvals cannot be forged: decisions are made only through approve/deny, as the caller's own
// identity, under the same rules everywhere (no self-approval, distinct approvers, approvers
// only), and a role that names approvers is never granted without them, whatever its workflow.
// Real server and CLI processes; requests go through the public API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../src/identity/index.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const USERS = { alice: ['eng'], bob: ['ops'], dave: ['ops'], carol: ['sales'] } as const;
type User = keyof typeof USERS;
const password = (user: User) => `${user}-forgery-pw-9f2c`;
registerTestSecret(...Object.keys(USERS).map((u) => password(u as User)));

interface RequestJson {
  id: string;
  status: string;
  outcome: { code: string; message: string } | null;
}

describe('approval forgery', () => {
  let root: { path: string; cleanup: () => Promise<void> };
  let server: ServerProcess;
  const tokens = new Map<User, string>();
  const sudoers = () => join(root.path, 'sudoers.d');

  before(async () => {
    root = await tempDir('lease-forgery-');
    const users = await Promise.all(
      (Object.entries(USERS) as [User, readonly string[]][]).map(async ([u, groups]) => `        ${u}: { password_hash: '${await hashPassword(password(u))}', groups: [${groups.join(', ')}] }`),
    );
    await writeFiles(root.path, {
      'config/lease.yaml': `version: "1.0"
server:
  admins: { users: [bob] }
providers:
  local:
    name: Local users
    provider: local
    config:
      users:
${users.join('\n')}
  box:
    name: This host
    provider: sudo
    config: { sudoers_dir: ${JSON.stringify(sudoers())}, visudo: false }
roles:
  deploy:
    name: Deploy
    description: Two approvers from ops; no workflow named, so the default one waits for them
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng, ops] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
      required: 2
  hasty:
    name: Hasty
    description: Names an approver, but its workflow never asks
    workflow: straight
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { users: [dave] }
workflows:
  straight:
    workflow:
      document: { dsl: "1.0.0", namespace: test, name: straight, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - authorize: { call: lease.authorize }
`,
    });
    server = await startServer({ config: join(root.path, 'config'), data: join(root.path, 'data') });
    for (const user of Object.keys(USERS) as User[]) {
      const r = await fetch(`${server.url}/api/v1/auth/local/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user, password: password(user) }),
      });
      assert.equal(r.status, 200);
      tokens.set(user, ((await r.json()) as { token: string }).token);
    }
  });

  after(async () => {
    await server?.stop();
    await root?.cleanup();
  });

  function call(user: User, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens.get(user)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function ask(user: User, role: string): Promise<RequestJson> {
    const r = await call(user, 'POST', '/api/v1/requests', { role, provider: 'box', duration: '10m', reason: `forgery test ${role}` });
    assert.equal(r.status, 201, await r.clone().text());
    return (await r.json()) as RequestJson;
  }

  async function statusOf(id: string): Promise<RequestJson> {
    return (await (await call('bob', 'GET', `/api/v1/requests/${id}`)).json()) as RequestJson;
  }

  async function errorCode(r: Response): Promise<string> {
    return ((await r.json()) as { error: { code: string } }).error.code;
  }

  it('refuses approval, revocation and other Lease events on the events route, even from an administrator', async () => {
    const own = await ask('bob', 'deploy');
    for (const type of ['com.lease.approval', 'com.thand.approval', 'com.lease.revoke', 'com.thand.revoke', 'com.lease.anything']) {
      const r = await call('bob', 'POST', `/api/v1/requests/${own.id}/events`, { type, data: { approved: true, approver: 'dave' } });
      assert.equal(r.status, 403, type);
      assert.equal(await errorCode(r), 'event_type_reserved');
    }
    const sourced = await call('bob', 'POST', `/api/v1/requests/${own.id}/events`, { type: 'com.example.ticket', source: 'lease/api', data: {} });
    assert.equal(sourced.status, 400, 'an event\'s source is the caller, not the body');
    assert.equal((await statusOf(own.id)).status, 'pending');
    // The approve route refuses the same administrator on their own request.
    const self = await call('bob', 'POST', `/api/v1/requests/${own.id}/approve`, {});
    assert.equal(self.status, 403);
    assert.equal(await errorCode(self), 'self_approval_forbidden');
    // Refused attempts are audited as the caller.
    const audit = (await (await call('bob', 'GET', `/api/v1/audit?subject=${own.id}`)).json()) as { entries: Array<{ actor: string; action: string; data: { type?: string } }> };
    const refused = audit.entries.filter((e) => e.action === 'request.event_refused');
    assert.equal(refused.length, 5);
    assert.ok(refused.every((e) => e.actor === 'local:bob'));
  });

  it('counts each approver once: one administrator cannot satisfy a two-approver rule', async () => {
    const request = await ask('alice', 'deploy');
    const first = await call('bob', 'POST', `/api/v1/requests/${request.id}/approve`, { reason: 'ok' });
    assert.equal(first.status, 202);
    // The same decision again is accepted (idempotent) but counts once; the opposite one is refused.
    assert.equal((await call('bob', 'POST', `/api/v1/requests/${request.id}/approve`, {})).status, 202);
    const flip = await call('bob', 'POST', `/api/v1/requests/${request.id}/deny`, {});
    assert.equal(flip.status, 409);
    assert.equal(await errorCode(flip), 'already_decided');
    assert.equal((await statusOf(request.id)).status, 'pending');
    assert.equal(existsSync(join(sudoers(), `lease-${request.id}`)), false, 'nothing granted after one approver');

    // dave is an approver (ops), not an administrator: he may read the request he may decide...
    const read = await call('dave', 'GET', `/api/v1/requests/${request.id}`);
    assert.equal(read.status, 200);
    // ...carol may not (reported as missing).
    assert.equal((await call('carol', 'GET', `/api/v1/requests/${request.id}`)).status, 404);
    assert.equal((await call('carol', 'POST', `/api/v1/requests/${request.id}/approve`, {})).status, 404);

    assert.equal((await call('dave', 'POST', `/api/v1/requests/${request.id}/approve`, {})).status, 202);
    const active = await waitUntil('the request to be granted', async () => {
      const s = await statusOf(request.id);
      return s.status === 'pending' || s.status === 'granting' ? undefined : s;
    }, 30_000);
    assert.equal(active.status, 'active');

    const audit = (await (await call('bob', 'GET', `/api/v1/audit?subject=${request.id}`)).json()) as { entries: Array<{ actor: string; action: string }> };
    assert.deepEqual(
      audit.entries.filter((e) => e.action === 'request.approved').map((e) => e.actor),
      ['local:bob', 'local:dave'],
      'the audit names each approver, as their session says',
    );
  });

  it('never grants a role that names approvers without them, whatever its workflow', async () => {
    const request = await ask('alice', 'hasty');
    const ended = await waitUntil('the request to end', async () => {
      const s = await statusOf(request.id);
      return ['denied', 'failed', 'active'].includes(s.status) ? s : undefined;
    }, 30_000);
    assert.equal(ended.status, 'denied');
    assert.equal(ended.outcome?.code, 'approval_required');
    assert.equal(existsSync(join(sudoers(), `lease-${request.id}`)), false);
  });

  it('config validate warns about a role whose workflow never asks for its approvals', async () => {
    const r = await runLease(['config', 'validate', join(root.path, 'config')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /roles\.hasty\.workflow: workflow "straight" never asks for approval/);
  });

  it('lease approve and lease status work for an approver through the CLI', async () => {
    const request = await ask('alice', 'deploy');
    const home = (user: User) => join(root.path, 'home', user);
    for (const user of ['bob', 'dave'] as const) {
      const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', user, '--password-stdin'], { env: { LEASE_HOME: home(user) }, input: `${password(user)}\n` });
      assert.equal(login.code, 0, login.stderr);
    }
    const seen = await leaseJson<RequestJson>(['status', request.id, '--json'], { LEASE_HOME: home('dave') });
    assert.equal(seen.status, 'pending');
    await leaseJson(['approve', request.id, '--json'], { LEASE_HOME: home('dave') });
    await leaseJson(['approve', request.id, '--json'], { LEASE_HOME: home('bob') });
    const active = await waitUntil('the request to be granted', async () => {
      const s = await statusOf(request.id);
      return s.status === 'active' ? s : undefined;
    }, 30_000);
    assert.equal(active.status, 'active');
  });
});
