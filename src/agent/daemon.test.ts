import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAgent, openSessionStore } from './agent-client.js';
import { AGENT_TOKEN_FILE, AGENT_URL_FILE, startAgent } from './daemon.js';
import type { StoredSession } from './session.js';
import { VaultSessionStore } from './vault.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function home(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-agent-'));
  dirs.push(dir);
  return dir;
}

const session: StoredSession = {
  server: 'http://lease.example:8080',
  provider: 'local',
  token: 'tok-SECRET',
  expires_at: '2099-01-01T00:00:00.000Z',
  identity: { id: 'ada', email: 'ada@example.com', groups: [], provider: 'local' },
};

describe('lease agent', () => {
  it('refuses a request without the token, or with a wrong one, with 401 JSON', async () => {
    const agent = await startAgent({ home: await home(), port: 0 });
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic abc' }] as Array<Record<string, string>>) {
        const r = await fetch(`${agent.url}/v1/sessions`, { headers });
        assert.equal(r.status, 401);
        assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unauthorized');
      }
    } finally {
      await agent.close();
    }
  });

  it('serves the CLI as a session store, sealing what it is given in the vault', async () => {
    const dir = await home();
    const agent = await startAgent({ home: dir, port: 0 });
    try {
      assert.equal((await stat(join(dir, AGENT_TOKEN_FILE))).mode & 0o777, 0o600);
      const store = await findAgent(dir);
      assert.ok(store, 'the CLI finds the running agent');
      await store.put(session);
      assert.equal((await store.get())?.token, 'tok-SECRET');
      assert.deepEqual((await store.list()).map((s) => s.server), ['http://lease.example:8080']);
      assert.equal(await store.get('http://other.example'), undefined);
      assert.equal((await new VaultSessionStore(dir).get())?.identity.email, 'ada@example.com');
      await store.remove(session.server);
      assert.deepEqual(await store.list(), []);
    } finally {
      await agent.close();
    }
  });

  it('removes its token and URL files on stop; the CLI then opens the vault itself', async () => {
    const dir = await home();
    const agent = await startAgent({ home: dir, port: 0 });
    assert.ok((await readFile(join(dir, AGENT_URL_FILE), 'utf8')).startsWith('http://127.0.0.1:'));
    await agent.close();
    assert.equal(existsSync(join(dir, AGENT_TOKEN_FILE)), false);
    assert.ok((await openSessionStore(dir)) instanceof VaultSessionStore);
  });
});
