// What the CLI shows people: text from one user (a reason) or from a server never acts on
// another person's terminal; the API refuses control characters in reasons; `--wait` says which
// request it waits for at once; small usability rules (empty list, provider inferred, requester
// column). Real server, real CLI processes; a hostile server is a small HTTP listener.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM_HOW_TO_GET, chromiumAvailable, launchChromium } from '../support/chromium.js';
import { LEASE_BIN, leaseJson, ROOT, runLease, startServer, tempDir, type CliResult, type ServerProcess } from '../support/lease-process.js';
import { requireComponent } from '../support/require-component.js';
import { apiLogin, createDeployment, loginAs, PASSWORDS, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  provider: string;
  reason: string;
}

/** The characters of `text` a terminal would act on (line feeds between lines excepted). */
function actingOnTerminal(text: string): string[] {
  return [...text.replaceAll('\n', '')].filter((ch) => {
    const code = ch.codePointAt(0) as number;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || /[\p{Bidi_Control}\u2028\u2029]/u.test(ch);
  });
}

function assertInert(r: CliResult, what: string): void {
  assert.deepEqual(actingOnTerminal(r.stdout), [], `${what}: stdout ${JSON.stringify(r.stdout)}`);
  assert.deepEqual(actingOnTerminal(r.stderr), [], `${what}: stderr ${JSON.stringify(r.stderr)}`);
}

describe('what the CLI shows', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let aliceToken: string;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });
  const asAlice = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    await writeFile(
      join(deployment.config, 'more-roles.yaml'),
      `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Needs an approver
    workflow: two-eyes
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
  either:
    name: Either host
    description: Two providers to choose from
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box, parked]
workflows:
  two-eyes:
    workflow:
      document: { dsl: "1.0.0", namespace: lease, name: two-eyes, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - approve:
            call: lease.approvals
            with: { count: 1, timeout: PT10M }
        - authorize: { call: lease.authorize }
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob', 'carol'] as const) await loginAs(deployment, server.url, user);
    aliceToken = await apiLogin(server.url, 'alice');
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('refuses a reason with control characters at the API (400, field reason), through the CLI too, and creates nothing', async () => {
    for (const reason of ['clear \x1b[2J\x1b[H', 'ok\rapproved by bob', 'two\nlines', 'nul\0', 'del\x7f', 'csi \u009b31m']) {
      const r = await asAlice('/api/v1/requests', { role: 'debug', duration: '5m', reason });
      assert.equal(r.status, 400, JSON.stringify(reason));
      const { error } = (await r.json()) as { error: { code: string; field?: string; message: string } };
      assert.equal(error.code, 'invalid_input');
      assert.equal(error.field, 'reason');
    }
    const cli = await runLease(['request', '--role', 'debug', '--duration', '5m', '--reason', 'INC-1 \x1b]0;owned\x07'], { env: env('alice') });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /reason: must not contain control characters \(TAB is allowed\) \[invalid_input\]/);
    assertInert(cli, 'refused request');
    const { requests } = (await (await fetch(`${server.url}/api/v1/requests`, { headers: { authorization: `Bearer ${aliceToken}` } })).json()) as { requests: unknown[] };
    assert.deepEqual(requests, []);

    const tab = await asAlice('/api/v1/requests', { role: 'debug', duration: '5m', reason: 'INC-1\tlogs' });
    assert.equal(tab.status, 201, 'TAB is allowed');
    const { id } = (await tab.json()) as RequestJson;
    const revoke = await asAlice(`/api/v1/requests/${id}/revoke`, { reason: 'done\r\x1b[1A' });
    assert.equal(revoke.status, 400);
    assert.equal(((await revoke.json()) as { error: { field?: string } }).error.field, 'reason');
    assert.equal((await runLease(['revoke', id, '--reason', 'done'], { env: env('alice') })).code, 0);
  });

  it('shows another user\'s reason escaped to an administrator (status, list --all with a requester column) and exact as JSON', async () => {
    const reason = 'INC-7 logs \u202Egnp.exe\u2066 \u200F';
    const created = await leaseJson<RequestJson>(['request', '--role', 'debug', '--duration', '10m', '--reason', reason, '--json'], env('alice'));
    assert.equal(created.reason, reason);

    const status = await runLease(['status', created.id], { env: env('bob') });
    assert.equal(status.code, 0, status.stderr);
    assertInert(status, 'status');
    assert.ok(status.stdout.includes('reason    INC-7 logs \\u202egnp.exe\\u2066 \\u200f\n'), status.stdout);
    assert.ok(status.stdout.includes('requester local:alice <alice@example.com>'), status.stdout);

    const list = await runLease(['list', '--all'], { env: env('bob') });
    assert.equal(list.code, 0, list.stderr);
    assertInert(list, 'list --all');
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^ID\s+STATUS\s+ROLE\s+PROVIDER\s+REQUESTER\s+EXPIRES$/);
    assert.ok(rows.some((row) => row.startsWith(created.id) && /\blocal:alice\b/.test(row)), list.stdout);

    const json = await runLease(['status', created.id, '--json'], { env: env('bob') });
    assertInert(json, 'status --json');
    assert.equal((JSON.parse(json.stdout) as RequestJson).reason, reason);
  });

  it('uses the role\'s only provider when --provider is left out, and asks for one (provider_required) when the role has several', async () => {
    const inferred = await leaseJson<RequestJson>(['request', '--role', 'debug', '--duration', '5m', '--reason', 'INC-8', '--json'], env('alice'));
    assert.equal(inferred.provider, 'box');
    const several = await runLease(['request', '--role', 'either', '--duration', '5m', '--reason', 'INC-8'], { env: env('alice') });
    assert.equal(several.code, 1);
    assert.match(several.stderr, /role "either" can be granted on several providers: name one of box, parked \[provider_required\]/);
    const overHttp = await asAlice('/api/v1/requests', { role: 'either', duration: '5m', reason: 'INC-8' });
    assert.equal(overHttp.status, 400);
    assert.deepEqual(((await overHttp.json()) as { error: { code: string; field?: string } }).error, {
      code: 'provider_required',
      field: 'provider',
      message: 'role "either" can be granted on several providers: name one of box, parked',
    });
  });

  it('says so when there are no requests (and --json is an empty list)', async () => {
    const empty = await runLease(['list'], { env: env('carol') });
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, 'no requests of yours (lease request asks for one)\n');
    const filtered = await runLease(['list', '--status', 'failed', '--all'], { env: env('bob') });
    assert.equal(filtered.stdout, 'no requests with status failed\n');
    assert.deepEqual(await leaseJson(['list', '--json'], env('carol')), []);
  });

  it('request --wait prints the request id at once and each status change, then the result', async () => {
    const child = spawn(process.execPath, [LEASE_BIN, 'request', '--role', 'deploy', '--duration', '5m', '--reason', 'release 2.0', '--wait'], {
      cwd: ROOT,
      env: { ...process.env, ...env('alice') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The id is printed while the request waits for an approver: nothing else can end it.
    const id = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        output.stderr += d.toString();
        const match = /^(req_\S+): pending \(waiting; Ctrl-C stops waiting, not the request: lease status \1\)$/m.exec(output.stderr);
        if (match) resolve(match[1] as string);
      });
      void exit.then((code) => reject(new Error(`lease request --wait exited ${code} before printing the id: ${JSON.stringify(output)}`)));
    });
    assert.equal(output.stdout, '', 'the result comes at the end');
    await leaseJson(['approve', id, '--json'], env('bob'));
    assert.equal(await exit, 0, output.stderr);
    const lines = output.stderr.trimEnd().split('\n');
    assert.equal(lines[0]?.startsWith(`${id}: pending`), true, output.stderr);
    assert.equal(lines.at(-1), `${id}: active`);
    for (const line of lines.slice(1)) assert.match(line, new RegExp(`^${id}: (granting|active)$`));
    assert.match(output.stdout, new RegExp(`^${id}  active\n`));
  });
});

/**
 * A server that answers like Lease, with terminal controls in every text it can put there: what
 * a compromised or impostor server could send. Only the routes the CLI calls here.
 */
function hostileServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const evil = (name: string) => `${name}\x1b]0;owned\x07\x1b[2J\r\u009b31m\u202E\u2028`;
  const request = {
    id: evil('req_1'),
    status: 'active',
    role: evil('admin'),
    provider: evil('box'),
    workflow: null,
    reason: evil('reason'),
    duration: 'PT1H',
    requester: { id: evil('mallory'), email: evil('m@example.com'), provider: evil('local') },
    created_at: evil('2025-01-01'),
    updated_at: '2025-01-01T00:00:00Z',
    granted_at: null,
    expires_at: evil('2099-01-01'),
    ended_at: null,
    outcome: { code: evil('code'), message: evil('message') },
  };
  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/api/v1/auth/local/login') {
      return send(res, 200, { token: 'hostile-token', expires_at: '2099-01-01T00:00:00Z', identity: { id: evil('mallory'), email: evil('m@example.com'), groups: [], provider: 'local' } });
    }
    if (req.method === 'GET' && path === '/api/v1/requests') return send(res, 200, { requests: [request] });
    if (req.method === 'GET' && path.startsWith('/api/v1/requests/')) return send(res, 200, request);
    if (req.method === 'POST' && path === '/api/v1/requests') return send(res, 403, { error: { code: evil('denied'), message: evil('refused') } });
    send(res, 404, { error: { code: 'not_found', message: evil('no route') } });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

describe('what the CLI shows from a hostile server', () => {
  it('escapes every text the server sends (login, status, list, errors) and keeps --json exact', async (t) => {
    const hostile = await hostileServer();
    const home = await tempDir();
    t.after(async () => {
      await hostile.close();
      await home.cleanup();
    });
    const env = { LEASE_HOME: home.path };
    const login = await runLease(['login', '--server', hostile.url, '--provider', 'local', '--username', 'mallory', '--password-stdin'], { env, input: 'pw\n' });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /as m@example\.com\\x1b\]0;owned\\x07\\x1b\[2J\\r\\x9b31m\\u202e\\u2028/);
    const runs = {
      login,
      status: await runLease(['status', 'req_1'], { env }),
      list: await runLease(['list'], { env }),
      whoami: await runLease(['whoami'], { env }),
      refused: await runLease(['request', '--role', 'admin', '--duration', '1h', '--reason', 'x'], { env }),
    };
    for (const [what, r] of Object.entries(runs)) assertInert(r, what);
    assert.equal(runs.refused.code, 1);
    assert.match(runs.refused.stderr, /^lease: refused\\x1b\]0;owned\\x07.* \[denied\\x1b/);
    assert.match(runs.status.stdout, /^req_1\\x1b\]0;owned\\x07\\x1b\[2J\\r\\x9b31m\\u202e\\u2028 {2}active\n/);

    const json = await runLease(['status', 'req_1', '--json'], { env });
    assertInert(json, 'status --json');
    const parsed = JSON.parse(json.stdout) as RequestJson;
    assert.equal(parsed.reason, 'reason\x1b]0;owned\x07\x1b[2J\r\u009b31m\u202E\u2028', 'the exact value');
  });
});

describe('what the web page shows', () => {
  let browser: Browser | undefined;
  let deployment: Deployment;
  let server: ServerProcess;

  before(async () => {
    if (chromiumAvailable()) browser = await launchChromium();
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await deployment?.cleanup();
  });

  it('shows a reason as text, never as markup, isolated from the text around it', async (t) => {
    if (!requireComponent(t, 'Chromium', browser !== undefined, CHROMIUM_HOW_TO_GET) || !browser) return;
    const token = await apiLogin(server.url, 'alice');
    const reason = `<img src=x onerror="document.title='owned'"><b>bold</b> \u202Eevil`;
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'debug', duration: '5m', reason }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as RequestJson;
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', PASSWORDS.alice);
    await page.click('#login button[type=submit]');
    await page.waitForSelector(`li[data-id="${id}"]`);
    assert.equal(await page.textContent(`li[data-id="${id}"] bdi`), reason);
    assert.equal(await page.locator(`li[data-id="${id}"] img, li[data-id="${id}"] b`).count(), 0);
    assert.notEqual(await page.title(), 'owned', 'no markup from the reason ran');
    assert.match(await page.title(), /Lease$/);
  });
});
