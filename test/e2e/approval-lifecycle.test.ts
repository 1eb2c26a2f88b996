// People in the loop, through the real server and CLI, on both workflow engines: approval stages
// (lead, then security), n of m, the approval timeout (expired), extensions with and without
// approval, break-glass with its review closed by an administrator, and a scheduled start that
// survives a kill -9 of the server.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword } from '../../src/identity/index.js';
import { leaseJson, runLease, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';
import { startTemporalDevServer } from '../support/temporal.js';
import { createDeployment, type Deployment } from './fixtures.js';

interface Approvals {
  required: number;
  stage: number | null;
  stages: Array<{ name: string; required: number; approvers: { users: string[]; groups: string[] }; approved_by: string[] }>;
  decisions: Array<{ approver: string; approved: boolean; reason: string | null; channel: string; at: string }>;
  timeout_at: string | null;
}

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  granted_at: string | null;
  outcome: { code: string } | null;
  approvals: Approvals | null;
  break_glass: boolean;
  start_at: string | null;
  extended_from: string | null;
}

/** People besides the fixtures' alice (eng), bob (ops, admin) and carol (sales). */
const PEOPLE = {
  alice: { password: 'alice-Secr3t-pw', groups: ['eng'] },
  bob: { password: 'bob-Secr3t-pw', groups: ['ops'] },
  dave: { password: 'dave-L3ad-pw', groups: ['leads'] },
  erin: { password: 'erin-S3curity-pw', groups: ['security'] },
  frank: { password: 'frank-Adm1n-pw', groups: ['ops'] },
  gina: { password: 'gina-Appr0ver-pw', groups: ['reviewers'] },
} as const;
type Person = keyof typeof PEOPLE;
for (const p of Object.values(PEOPLE)) registerTestSecret(p.password);

const ROLES = `version: "1.0"
roles:
  staged:
    name: Staged
    description: Team lead, then security
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      stages:
        - { name: team lead, approvers: { groups: [leads] } }
        - { name: security, approvers: { groups: [security] } }
  two-of-three:
    name: Two of three
    description: Any two of bob, dave, gina
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { users: [bob, dave, gina] }
      required: 2
  hurried:
    name: Hurried
    description: Approve within seconds or it expires
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [reviewers] }
      timeout: 3s
  stretch:
    name: Stretch
    description: Extensions need no approval
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 10m
    extend_without_approval: true
  reviewed-stretch:
    name: Reviewed stretch
    description: Extensions are approved like requests
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 10m
    approvals:
      approvers: { groups: [reviewers] }
  emergency:
    name: Emergency
    description: Break-glass allowed
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng, ops] }
    providers: [box]
    break_glass: true
    workflow: announced
    approvals:
      approvers: { groups: [security] }
workflows:
  announced:
    workflow:
      document: { dsl: "1.0.0", namespace: lease, name: announced, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - tell:
            call: lease.notify
            with: { provider: ops-hook, to: ops, message: please approve }
        - approve: { call: lease.approvals, with: { count: 1 } }
        - authorize: { call: lease.authorize }
`;

async function setUp(t: TestContext, engine: 'embedded' | 'temporal'): Promise<Harness | undefined> {
  let temporalAddress: string | undefined;
  if (engine === 'temporal') {
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return undefined;
    temporalAddress = temporal.address;
  }
  const hooks: Array<{ request: { id: string }; message: string }> = [];
  const hookServer: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as (typeof hooks)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => hookServer.close(() => resolve())));
  const deployment = await createDeployment({ visudo: false });
  t.after(() => deployment.cleanup());
  const hashes = Object.fromEntries(await Promise.all(Object.entries(PEOPLE).map(async ([u, p]) => [u, await hashPassword(p.password)])));
  const users = Object.entries(PEOPLE)
    .map(([u, p]) => `        ${u}: { password_hash: '${hashes[u]}', email: ${u}@example.com, groups: [${p.groups.join(', ')}] }`)
    .join('\n');
  await writeFile(
    join(deployment.config, 'providers.yaml'),
    `version: "1.0"
providers:
  local:
    name: Local users
    provider: local
    config:
      users:
${users}
  box:
    name: This host
    provider: sudo
    config: { sudoers_dir: ${JSON.stringify(deployment.sudoers)}, visudo: false }
  ops-hook:
    name: Ops webhook
    provider: webhook
    config: { url: "http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/lease" }
`,
  );
  await writeFile(join(deployment.config, 'roles.yaml'), ROLES);
  await writeFile(join(deployment.config, 'workflows.yaml'), 'version: "1.0"\nworkflows: {}\n');
  const engineConfig =
    engine === 'temporal'
      ? `  engine: temporal\nservices:\n  temporal:\n    address: ${temporalAddress}\n    namespace: default\n    task_queue: lease-e2e-lifecycle\n`
      : '';
  await writeFile(join(deployment.config, 'server.yaml'), `version: "1.0"\nserver:\n  admins: { groups: [ops] }\n${engineConfig}`);
  const harness = new Harness(deployment, hooks, await startServer({ config: deployment.config, data: deployment.data }));
  t.after(() => harness.server.stop());
  for (const person of Object.keys(PEOPLE) as Person[]) await harness.login(person);
  return harness;
}

class Harness {
  private readonly tokens = new Map<Person, string>();

  constructor(
    readonly deployment: Deployment,
    readonly hooks: Array<{ request: { id: string }; message: string }>,
    public server: ServerProcess,
  ) {}

  env(person: Person) {
    return { LEASE_HOME: this.deployment.home(person) };
  }

  async login(person: Person): Promise<void> {
    const r = await runLease(['login', '--server', this.server.url, '--provider', 'local', '--username', person, '--password-stdin'], { env: this.env(person), input: `${PEOPLE[person].password}\n` });
    assert.equal(r.code, 0, r.stderr);
    const answer = await fetch(`${this.server.url}/api/v1/auth/local/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: person, password: PEOPLE[person].password }),
    });
    this.tokens.set(person, ((await answer.json()) as { token: string }).token);
  }

  async api<T>(person: Person, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const r = await fetch(`${this.server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.tokens.get(person)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, json: (await r.json()) as T };
  }

  async ask(person: Person, role: string, extra: Record<string, unknown> = {}): Promise<RequestJson> {
    const r = await this.api<RequestJson>(person, 'POST', '/api/v1/requests', { role, duration: '5m', reason: `lifecycle ${role}`, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json;
  }

  /** The request once it has one of `statuses` (server-side long poll, re-asked until the bound). */
  async until(person: Person, id: string, statuses: string[], timeoutMs = 90_000): Promise<RequestJson> {
    return waitUntil(`${id} to be ${statuses.join(' or ')}`, async () => {
      const r = await this.api<RequestJson>(person, 'GET', `/api/v1/requests/${id}?until=${statuses.join(',')}&timeout=10`);
      return statuses.includes(r.json.status) ? r.json : undefined;
    }, timeoutMs, 10);
  }

  async sudoersFiles(): Promise<string[]> {
    return (await readdir(this.deployment.sudoers).catch(() => [] as string[])).filter((f) => !f.startsWith('.'));
  }

  async audit(id: string): Promise<Array<{ action: string; actor: string; data: Record<string, unknown> }>> {
    return (await this.api<{ entries: Array<{ action: string; actor: string; data: Record<string, unknown> }> }>('bob', 'GET', `/api/v1/audit?subject=${id}`)).json.entries;
  }
}

for (const engine of ['embedded', 'temporal'] as const) {
  test(`approval rules and the request lifecycle on the ${engine} engine`, { timeout: 20 * 60_000 }, async (t) => {
    const h = await setUp(t, engine);
    if (!h) return;

    await t.test('two stages: the team lead, then security; the CLI shows the progress', async () => {
      const request = await h.ask('alice', 'staged');
      assert.equal(request.approvals?.stage, 0);
      assert.deepEqual(request.approvals?.stages.map((s) => s.name), ['team lead', 'security']);
      const early = await runLease(['approve', request.id], { env: h.env('erin') });
      assert.notEqual(early.code, 0);
      assert.match(early.stderr, /not_stage_approver/);
      const inbox = await h.api<{ requests: RequestJson[] }>('dave', 'GET', '/api/v1/approvals');
      assert.ok(inbox.json.requests.some((r) => r.id === request.id), 'in the team lead\'s inbox');
      assert.ok(!(await h.api<{ requests: RequestJson[] }>('erin', 'GET', '/api/v1/approvals')).json.requests.some((r) => r.id === request.id), 'not yet in security\'s');
      await leaseJson(['approve', request.id, '--reason', 'lead ok', '--json'], h.env('dave'));
      const shown = await runLease(['show', request.id], { env: h.env('alice') });
      assert.match(shown.stdout, /stage 1\/2 team lead: 1\/1 approved \(local:dave\)/);
      assert.match(shown.stdout, /stage 2\/2 security: 0\/1 approved\s+<- awaiting/);
      assert.match((await runLease(['list'], { env: h.env('alice') })).stdout, new RegExp(`${request.id}\\s+pending \\(stage 2/2\\)`));
      const second = await h.api<RequestJson>('erin', 'POST', `/api/v1/requests/${request.id}/approve`, { reason: 'security ok' });
      assert.equal(second.status, 202);
      const active = await h.until('alice', request.id, ['active', 'denied', 'failed']);
      assert.equal(active.status, 'active');
      assert.deepEqual(active.approvals?.stages.map((s) => s.approved_by), [['local:dave'], ['local:erin']]);
      assert.deepEqual(active.approvals?.decisions.map((d) => [d.approver, d.channel]), [['local:dave', 'cli'], ['local:erin', 'api']]);
      const approved = (await h.audit(request.id)).filter((e) => e.action === 'request.approved');
      assert.deepEqual(approved.map((e) => [e.actor, e.data.channel, e.data.stage]), [['local:dave', 'cli', 'team lead'], ['local:erin', 'api', 'security']]);
      assert.ok(approved.every((e) => typeof e.data.at === 'string'));
    });

    await t.test('two of three distinct approvers; never the requester; one denial ends it', async () => {
      const request = await h.ask('alice', 'two-of-three');
      assert.equal((await h.api<{ error: { code: string } }>('alice', 'POST', `/api/v1/requests/${request.id}/approve`, {})).json.error.code, 'self_approval_forbidden');
      await h.api('bob', 'POST', `/api/v1/requests/${request.id}/approve`, {});
      const again = await h.api<RequestJson>('bob', 'POST', `/api/v1/requests/${request.id}/approve`, {});
      assert.equal(again.status, 202, 'a repeated decision is accepted once more');
      assert.equal((await h.api<RequestJson>('alice', 'GET', `/api/v1/requests/${request.id}`)).json.status, 'pending', 'one approver counts once');
      await h.api('gina', 'POST', `/api/v1/requests/${request.id}/approve`, {});
      assert.equal((await h.until('alice', request.id, ['active', 'denied', 'failed'])).status, 'active');

      const denied = await h.ask('alice', 'two-of-three');
      await h.api('bob', 'POST', `/api/v1/requests/${denied.id}/approve`, {});
      await h.api('dave', 'POST', `/api/v1/requests/${denied.id}/deny`, { reason: 'no' });
      const ended = await h.until('alice', denied.id, ['active', 'denied', 'failed']);
      assert.equal(ended.status, 'denied');
      assert.equal((await h.api<{ error: { code: string } }>('gina', 'POST', `/api/v1/requests/${denied.id}/approve`, {})).status, 409);
    });

    await t.test('a request not approved within the role\'s timeout ends expired, nothing granted', async () => {
      const request = await h.ask('alice', 'hurried');
      assert.ok(request.approvals?.timeout_at);
      const ended = await h.until('alice', request.id, ['expired', 'active', 'denied', 'failed']);
      assert.equal(ended.status, 'expired');
      assert.equal(ended.granted_at, null);
      assert.ok(!(await h.sudoersFiles()).some((f) => f.includes(request.id)));
    });

    await t.test('an extension without approval moves the expiry at once, never past max_duration', async () => {
      const request = await h.ask('alice', 'stretch', { duration: '5m' });
      const active = await h.until('alice', request.id, ['active', 'failed']);
      const file = join(h.deployment.sudoers, (await h.sudoersFiles()).find((f) => f.includes(request.id))!);
      const before = await readFile(file, 'utf8');
      const extension = await leaseJson<RequestJson>(['extend', request.id, '--duration', '2m', '--reason', 'almost done', '--wait', '--json'], h.env('alice'));
      assert.equal(extension.status, 'extended');
      assert.equal(extension.extended_from, request.id);
      const extended = await waitUntil('the new expiry', async () => {
        const r = (await h.api<RequestJson>('alice', 'GET', `/api/v1/requests/${request.id}`)).json;
        return r.expires_at !== active.expires_at ? r : undefined;
      });
      assert.equal(Date.parse(extended.expires_at!) - Date.parse(active.expires_at!), 2 * 60_000);
      await waitUntil('the drop-in rewritten with the new expiry', async () => ((await readFile(file, 'utf8')) !== before ? true : undefined));
      const over = await runLease(['extend', request.id, '--duration', '5m'], { env: h.env('alice') });
      assert.notEqual(over.code, 0);
      assert.match(over.stderr, /duration_exceeds_max/);
      assert.ok((await h.audit(request.id)).some((e) => e.action === 'lease.extended'));
    });

    await t.test('an extension with approval waits for the role\'s approvers', async () => {
      const request = await h.ask('alice', 'reviewed-stretch', { duration: '3m' });
      await h.api('gina', 'POST', `/api/v1/requests/${request.id}/approve`, {});
      const active = await h.until('alice', request.id, ['active', 'failed']);
      const ext = await h.api<RequestJson>('alice', 'POST', `/api/v1/requests/${request.id}/extend`, { duration: '1m' });
      assert.equal(ext.status, 201);
      assert.equal(ext.json.status, 'pending');
      const inbox = await h.api<{ requests: RequestJson[] }>('gina', 'GET', '/api/v1/approvals');
      assert.ok(inbox.json.requests.some((r) => r.id === ext.json.id && r.extended_from === request.id));
      assert.equal((await h.api<RequestJson>('alice', 'GET', `/api/v1/requests/${request.id}`)).json.expires_at, active.expires_at, 'unchanged until approved');
      await h.api('gina', 'POST', `/api/v1/requests/${ext.json.id}/approve`, {});
      assert.equal((await h.until('alice', ext.json.id, ['extended', 'denied', 'failed'])).status, 'extended');
      const extended = (await h.api<RequestJson>('alice', 'GET', `/api/v1/requests/${request.id}`)).json;
      assert.equal(Date.parse(extended.expires_at!) - Date.parse(active.expires_at!), 60_000);
    });

    await t.test('break-glass: granted at once, announced, and reviewed by another administrator', async () => {
      const refused = await h.api<{ error: { code: string; field: string } }>('alice', 'POST', '/api/v1/requests', { role: 'staged', duration: '5m', reason: 'x', break_glass: true });
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error.field, 'break_glass');
      const request = await leaseJson<RequestJson>(['request', '--role', 'emergency', '--duration', '5m', '--reason', 'prod is down', '--break-glass', '--wait', '--json'], h.env('bob'));
      assert.equal(request.status, 'active');
      assert.equal(request.break_glass, true);
      const hook = await waitUntil('the break-glass notice', async () => h.hooks.find((x) => x.request.id === request.id));
      assert.match(hook.message, /BREAK-GLASS/);
      assert.ok((await h.audit(request.id)).some((e) => e.action === 'request.break_glass'));
      const { json } = await h.api<{ reviews: Array<{ id: string; request_id: string; status: string }> }>('frank', 'GET', '/api/v1/reviews?status=open');
      const review = json.reviews.find((r) => r.request_id === request.id);
      assert.ok(review);
      assert.equal((await h.api('alice', 'GET', '/api/v1/reviews')).status, 403);
      const own = await runLease(['reviews', 'close', review.id, '--comment', 'fine by me'], { env: h.env('bob') });
      assert.match(own.stderr, /self_review_forbidden/);
      const closed = await runLease(['reviews', 'close', review.id, '--comment', 'outage INC-1 confirmed'], { env: h.env('frank') });
      assert.equal(closed.code, 0, closed.stderr);
      const listed = await runLease(['reviews', 'list'], { env: h.env('frank') });
      assert.match(listed.stdout, new RegExp(`${review.id}\\s+closed\\s+${request.id}`));
      assert.ok((await h.audit(request.id)).some((e) => e.action === 'review.closed' && e.actor === 'local:frank'));
    });

    await t.test('a scheduled start survives kill -9 of the server and is granted at its time', async () => {
      const past = await h.api<{ error: { field: string } }>('alice', 'POST', '/api/v1/requests', { role: 'stretch', duration: '5m', reason: 'x', start_at: new Date(Date.now() - 60_000).toISOString() });
      assert.equal(past.status, 400);
      assert.equal(past.json.error.field, 'start_at');
      const far = await h.api<{ error: { field: string } }>('alice', 'POST', '/api/v1/requests', { role: 'stretch', duration: '5m', reason: 'x', start_at: new Date(Date.now() + 31 * 86_400_000).toISOString() });
      assert.equal(far.status, 400);
      const startAt = new Date(Date.now() + 15_000).toISOString();
      const request = await leaseJson<RequestJson>(['request', '--role', 'stretch', '--duration', '5m', '--reason', 'tonight', '--start', startAt, '--json'], h.env('alice'));
      assert.equal(request.status, 'pending');
      assert.equal(request.start_at, startAt);
      await h.server.crash();
      h.server = await startServer({ config: h.deployment.config, data: h.deployment.data });
      for (const person of ['alice', 'bob'] as const) await h.login(person);
      const active = await h.until('alice', request.id, ['active', 'failed', 'denied'], 120_000);
      assert.equal(active.status, 'active');
      assert.ok(Date.parse(active.granted_at!) >= Date.parse(startAt), `granted ${active.granted_at}, start ${startAt}`);
      assert.ok(Date.parse(active.expires_at!) >= Date.parse(startAt) + 5 * 60_000);
    });
  });
}
