// The server's external URL decides the OIDC redirect URI: `url` option (--url / LEASE_URL),
// else `server.url` from the config, else http://127.0.0.1:<port>.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { silentLogger } from '../core/index.js';
import { startOidcProvider, type TestOidcProvider } from '../../test/support/oidc-provider.js';
import { startLeaseServer } from './server.js';

describe('the external server URL in OIDC redirect URIs', () => {
  let idp: TestOidcProvider;

  before(async () => {
    idp = await startOidcProvider({ accounts: [] });
  });

  after(async () => {
    await idp?.stop();
  });

  async function redirectUriOf(t: TestContext, options: { url?: string; serverUrl?: string }): Promise<{ redirectUri: string | null; port: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'lease-url-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const server = options.serverUrl ? `server:\n  url: ${options.serverUrl}\n` : '';
    await writeFile(
      join(dir, 'lease.yaml'),
      `version: "1.0"\n${server}providers:\n  corp:\n    name: Corp\n    provider: oidc\n    config:\n      issuer: ${idp.issuer}\n      client_id: lease\n`,
    );
    const running = await startLeaseServer({ configPath: join(dir, 'lease.yaml'), dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', logger: silentLogger, ...(options.url ? { url: options.url } : {}) });
    t.after(() => running.stop());
    const r = await fetch(`${running.url}/api/v1/auth/corp/start`, { method: 'POST', body: JSON.stringify({ redirect: 'http://127.0.0.1:9/callback' }) });
    assert.equal(r.status, 200);
    const { login_url } = (await r.json()) as { login_url: string };
    return { redirectUri: new URL(login_url).searchParams.get('redirect_uri'), port: new URL(running.url).port };
  }

  it('defaults to http://127.0.0.1:<port>', async (t) => {
    const { redirectUri, port } = await redirectUriOf(t, {});
    assert.equal(redirectUri, `http://127.0.0.1:${port}/api/v1/auth/corp/callback`);
  });

  it('uses server.url from the config', async (t) => {
    const { redirectUri } = await redirectUriOf(t, { serverUrl: 'https://lease.example.com' });
    assert.equal(redirectUri, 'https://lease.example.com/api/v1/auth/corp/callback');
  });

  it('prefers the url option (--url, LEASE_URL), keeping a base path', async (t) => {
    const { redirectUri } = await redirectUriOf(t, { url: 'https://sso.example.com/lease/', serverUrl: 'https://lease.example.com' });
    assert.equal(redirectUri, 'https://sso.example.com/lease/api/v1/auth/corp/callback');
  });
});
