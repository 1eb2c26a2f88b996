// emulate's GitHub behind a proxy that holds every request Lease makes to GitHub's own OpenAPI
// description (@octokit/openapi, api.github.com): the provider talks to `proxy.url`.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startEmulate, type EmulateServer } from './emulate.js';
import { OpenApiProxy } from './openapi-proxy.js';
import { freePort } from './ports.js';

const root = new URL('../../', import.meta.url).pathname;
export const GITHUB_OPENAPI = join(root, 'node_modules/@octokit/openapi/generated/api.github.com.json');
/** The token emulate maps to its org admin `admin` (any other token is a seeded user). */
export const ADMIN_TOKEN = 'lease-test-admin-token';
export const APP_ID = 4242;
export const INSTALLATION_ID = 777;

export interface GithubEmulator {
  emulate: EmulateServer;
  proxy: OpenApiProxy;
  /** The App's private key (PKCS#1 PEM, as GitHub hands it out). */
  appPrivateKey: string;
  /** Calls emulate directly (test setup and checks, not validated). */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export async function startGithubEmulator(t: TestContext, extraSeed: { users?: unknown[]; orgMembers?: unknown[]; repos?: unknown[] } = {}): Promise<GithubEmulator | undefined> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const appPrivateKey = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const proxyPort = await freePort();
  const proxy = new OpenApiProxy(GITHUB_OPENAPI);
  const seed = {
    tokens: { [ADMIN_TOKEN]: { login: 'admin', scopes: ['repo', 'admin:org'] } },
    github: {
      users: [
        { login: 'alice', email: 'alice@example.com', name: 'Alice' },
        { login: 'bob', email: 'bob@example.com', name: 'Bob' },
        { login: 'carol', email: 'carol@example.com', name: 'Carol' },
        ...(extraSeed.users ?? []),
      ],
      orgs: [{ login: 'acme', name: 'Acme', members: [{ login: 'admin', role: 'admin' }, { login: 'alice', role: 'member' }, { login: 'carol', role: 'member' }, ...(extraSeed.orgMembers ?? [])] }],
      repos: [{ owner: 'acme', name: 'api', private: true }, { owner: 'acme', name: 'web' }, ...(extraSeed.repos ?? [])],
      apps: [{ app_id: APP_ID, slug: 'lease-test', name: 'Lease test', private_key: appPrivateKey, permissions: { members: 'write', administration: 'write' }, installations: [{ installation_id: INSTALLATION_ID, account: 'acme' }] }],
    },
  };
  const emulate = await startEmulate(t, { service: 'github', seed, baseUrl: `http://127.0.0.1:${proxyPort}` });
  if (!emulate) return undefined;
  await proxy.start(proxyPort);
  proxy.setUpstream(emulate.url);
  t.after(() => proxy.stop());
  const admin = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emulate.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return { emulate, proxy, appPrivateKey, admin };
}
