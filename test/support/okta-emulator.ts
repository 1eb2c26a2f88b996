// emulate's Okta behind a proxy that holds every request Lease makes to Okta's own management
// API description (@okta/openapi 2.15.0, dist/spec.json, Swagger 2.0: method and path must be a
// documented operation): the provider talks to `proxy.url`. What emulate lacks (rate limits,
// 401/403 answers) the tests inject through `proxy.intercept`.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startEmulate, type EmulateServer } from './emulate.js';
import { OpenApiProxy } from './openapi-proxy.js';
import { freePort } from './ports.js';

const root = new URL('../../', import.meta.url).pathname;
export const OKTA_OPENAPI = join(root, 'node_modules/@okta/openapi/dist/spec.json');
/** The API token the tests give Lease (emulate maps it to its admin). */
export const OKTA_TOKEN = 'lease-test-okta-ssws-token';

export interface OktaSeedUser {
  login: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  status?: string;
  okta_id?: string;
}

export interface OktaSeed {
  users?: OktaSeedUser[];
  groups?: Array<{ name: string; description?: string; type?: string; okta_id?: string }>;
  group_memberships?: Array<{ group_okta_id: string; user_okta_id: string }>;
}

export interface OktaEmulator {
  emulate: EmulateServer;
  proxy: OpenApiProxy;
  /** Calls emulate directly (test setup and checks, not validated). */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The group's id by name. */
  groupId(name: string): Promise<string>;
  /** The user's id by login. */
  userId(login: string): Promise<string>;
  /** Whether the user (by login) is a member of the group (by name). */
  isMember(group: string, login: string): Promise<boolean>;
  /** The logins of the group's members. */
  members(group: string): Promise<string[]>;
}

export const DEFAULT_OKTA_SEED: Required<Pick<OktaSeed, 'users' | 'groups'>> = {
  users: [
    { login: 'alice@example.com', first_name: 'Alice', last_name: 'Example' },
    { login: 'bob@example.com', first_name: 'Bob', last_name: 'Example' },
    // Login differs from the e-mail: found by profile.email.
    { login: 'carol', email: 'carol@example.com', first_name: 'Carol', last_name: 'Example' },
    { login: 'gone@example.com', status: 'DEPROVISIONED' },
  ],
  groups: [
    { name: 'Platform', description: 'Platform engineers' },
    { name: 'Security', description: 'Security team' },
    { name: 'Okta Admins', description: 'Okta org admins' },
  ],
};

export async function startOktaEmulator(t: TestContext, seed: OktaSeed = DEFAULT_OKTA_SEED): Promise<OktaEmulator | undefined> {
  const proxyPort = await freePort();
  const proxy = new OpenApiProxy(OKTA_OPENAPI);
  const emulate = await startEmulate(t, { service: 'okta', seed: { tokens: { [OKTA_TOKEN]: { login: 'admin', scopes: ['okta.groups.manage', 'okta.users.read'] } }, okta: seed }, baseUrl: `http://127.0.0.1:${proxyPort}` });
  if (!emulate) return undefined;
  await proxy.start(proxyPort);
  proxy.setUpstream(emulate.url);
  t.after(() => proxy.stop());
  const admin = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emulate.url}${path}`, { method, headers: { authorization: `SSWS ${OKTA_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const groupId = async (name: string) => {
    const all = await admin<Array<{ id: string; profile: { name: string } }>>('GET', `/api/v1/groups?q=${encodeURIComponent(name)}&per_page=100`);
    const group = all.body.find((g) => g.profile.name === name);
    if (!group) throw new Error(`no group ${name} in emulate`);
    return group.id;
  };
  const userId = async (login: string) => {
    const user = await admin<{ id: string }>('GET', `/api/v1/users/${encodeURIComponent(login)}`);
    if (user.status !== 200) throw new Error(`no user ${login} in emulate`);
    return user.body.id;
  };
  const members = async (group: string) => {
    const list = await admin<Array<{ profile: { login: string } }>>('GET', `/api/v1/groups/${await groupId(group)}/users`);
    return list.body.map((u) => u.profile.login).sort();
  };
  return { emulate, proxy, admin, groupId, userId, members, isMember: async (group, login) => (await members(group)).includes(login) };
}
