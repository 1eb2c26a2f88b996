// Asking in plain words: `lease suggest`, `lease request "TEXT"` (confirmed on a terminal, or
// --yes), a duration in the text, nothing suitable, and the same over HTTP; only roles the
// person may request now are ever suggested.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LEASE_BIN, ROOT, runLease, startServer, type CliResult, type ServerProcess } from '../support/lease-process.js';
import { requireComponent } from '../support/require-component.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

interface Suggestion { role: string; provider: string; duration: string; reason: string; score: number; why: string[] }
interface Request { id: string; role: string; provider: string; duration: string; reason: string; status: string }

/** Runs `lease ...args` on a pseudo-terminal (util-linux script), typing `typed` once the prompt shows. */
function runOnTerminal(args: string[], typed: string, home: string): Promise<CliResult> {
  const command = [process.execPath, LEASE_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, LEASE_HOME: home, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let typedYet = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!typedYet && stdout.includes('[Enter = yes')) {
        typedYet = true;
        child.stdin.write(typed);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('asking in plain words', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob', 'carol'] as const) await loginAs(deployment, server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('lease suggest ranks the roles the user may request, saying which words matched', async () => {
    const r = await runLease(['suggest', 'I need to read the service logs with journalctl', '--json'], { env: env('alice') });
    assert.equal(r.code, 0, r.stderr);
    const { suggestions, source } = JSON.parse(r.stdout) as { suggestions: Suggestion[]; source: string };
    assert.equal(source, 'offline');
    assert.equal(suggestions[0]?.role, 'debug');
    assert.equal(suggestions[0]?.provider, 'box');
    assert.equal(suggestions[0]?.reason, 'I need to read the service logs with journalctl');
    assert.ok(suggestions[0]!.why.some((w) => w.includes('permission /usr/bin/journalctl')), suggestions[0]!.why.join('; '));
    // parked-role (its provider is disabled), retired (disabled) and ops-admin (not alice's scope) are never offered.
    assert.deepEqual(suggestions.filter((s) => s.role !== 'debug'), []);

    const human = await runLease(['suggest', 'read the service logs'], { env: env('alice') });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^1\. debug on box for PT1H/m);
  });

  it('answers an empty list, not an error, when nothing fits or the user may request nothing that fits', async () => {
    const none = await runLease(['suggest', 'book a meeting room for friday', '--json'], { env: env('alice') });
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout).suggestions, []);
    const outOfScope = await runLease(['suggest', 'read the service logs', '--json'], { env: env('carol') });
    assert.deepEqual(JSON.parse(outOfScope.stdout).suggestions, [], 'carol is in no role\'s scope');
    const human = await runLease(['suggest', 'book a meeting room'], { env: env('alice') });
    assert.match(human.stdout, /Nothing you may request fits/);
  });

  it('lease request "TEXT" --yes --json requests the best suggestion, the text as reason and its duration clamped to the role maximum', async () => {
    const r = await runLease(['request', 'read the service logs for 3 hours', '--yes', '--json'], { env: env('alice') });
    assert.equal(r.code, 0, r.stderr);
    const request = JSON.parse(r.stdout) as Request;
    assert.equal(request.role, 'debug');
    assert.equal(request.provider, 'box');
    assert.equal(request.duration, 'PT1H', 'debug allows at most 1h');
    assert.equal(request.reason, 'read the service logs for 3 hours');
  });

  it('reads a duration in the text: "30 min"', async () => {
    const r = await runLease(['request', 'journalctl logs, 30 min', '--yes', '--json'], { env: env('alice') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Request).duration, 'PT30M');
  });

  it('asks to confirm on a terminal: Enter takes the best, n cancels', async (t) => {
    if (!requireComponent(t, 'util-linux script', existsSync('/usr/bin/script') || existsSync('/bin/script'), 'install util-linux (apt-get install util-linux)')) return;
    const yes = await runOnTerminal(['request', 'read the service logs for 20 minutes'], '\r', deployment.home('alice'));
    assert.equal(yes.code, 0, yes.stdout + yes.stderr);
    assert.match(yes.stdout, /1\. debug on box for PT20M/);
    assert.match(yes.stdout, /role\s+debug on box/);
    assert.match(yes.stdout, /duration\s+PT20M/);

    const no = await runOnTerminal(['request', 'read the service logs'], 'n\r', deployment.home('alice'));
    assert.equal(no.code, 1, no.stdout + no.stderr);
    assert.match(no.stdout + no.stderr, /cancelled: nothing requested/);
  });

  it('without a terminal and without --yes, refuses with a usage error telling to pass --yes', async () => {
    const r = await runLease(['request', 'read the service logs'], { env: env('alice') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --yes/);
  });

  it('requests nothing when nothing fits', async () => {
    const r = await runLease(['request', 'book a meeting room', '--yes', '--json'], { env: env('alice') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nothing you may request fits/);
    assert.equal(r.stdout, '');
  });

  it('answers over HTTP to logged-in users only, audits the text, and refuses control characters with 400', async () => {
    const anonymous = await fetch(`${server.url}/api/v1/suggestions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'logs' }) });
    assert.equal(anonymous.status, 401);
    const token = await apiLogin(server.url, 'bob');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ok = await fetch(`${server.url}/api/v1/suggestions`, { method: 'POST', headers, body: JSON.stringify({ text: 'everything on this host until 17:00', time_zone: 'Europe/Paris' }) });
    assert.equal(ok.status, 200);
    const answer = (await ok.json()) as { suggestions: Suggestion[] };
    assert.equal(answer.suggestions[0]?.role, 'ops-admin');
    const bad = await fetch(`${server.url}/api/v1/suggestions`, { method: 'POST', headers, body: JSON.stringify({ text: 'logs\u001b[2J' }) });
    assert.equal(bad.status, 400);
    const zone = await fetch(`${server.url}/api/v1/suggestions`, { method: 'POST', headers, body: JSON.stringify({ text: 'logs', time_zone: 'Mars/Olympus' }) });
    assert.equal(zone.status, 400);
    assert.equal(((await zone.json()) as { error: { field: string } }).error.field, 'time_zone');
    const audit = await fetch(`${server.url}/api/v1/audit?action=suggestion.asked`, { headers });
    assert.equal(audit.status, 200);
    const entries = ((await audit.json()) as { entries: { actor: string; data: { text?: string } }[] }).entries;
    assert.ok(entries.some((e) => e.actor === 'local:bob' && e.data.text === 'everything on this host until 17:00'), JSON.stringify(entries));
  });
});
