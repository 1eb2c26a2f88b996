// A real OpenID provider for tests: panva's oidc-provider on 127.0.0.1 (random port), with
// accounts the test declares and browser-less interactions: the interaction endpoint logs in
// the account chosen by `nextLogin` and consents to what was asked, then oidc-provider
// resumes the authorization. Clients are registered after start (`registerClient`), so a
// Lease server started on port 0 can register its callback URL once it knows it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { registerTestSecret } from './secrets.js';

export interface TestAccount {
  sub: string;
  email: string;
  name: string;
  groups: string[];
  email_verified?: boolean;
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestOidcProvider {
  issuer: string;
  /** Adds (or replaces) a confidential client using client_secret_basic and the code flow. */
  registerClient(client: TestClient): void;
  /** The account (sub) the next login interaction signs in as; an unknown one is refused (access_denied). */
  nextLogin: string;
  /** Interactions completed so far (login and consent prompts). */
  interactions: number;
  stop(): Promise<void>;
}

/**
 * Lease's config file for this IdP: one OIDC provider, `corp` ("Corp SSO"), as the client `lease`
 * whose secret the server reads from $LEASE_OIDC_SECRET. Register that client with the server's
 * callback (`<server>/api/v1/auth/corp/callback`) once the server is up.
 */
export function leaseConfigFor(idp: TestOidcProvider): string {
  return `version: "1.0"
providers:
  corp:
    name: Corp SSO
    provider: oidc
    config:
      issuer: ${idp.issuer}
      client_id: lease
      client_secret: \${LEASE_OIDC_SECRET}
      scopes: [openid, email, profile, groups]
      groups_claim: groups
`;
}

const SECRET_MODELS = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'DeviceCode']);

/** The adapter for oidc-provider's models: memory, except clients, which come from `clients`. */
function adapterFor(clients: Map<string, Record<string, unknown>>) {
  const memory = createMemoryAdapter();
  const clientAdapter = {
    find: async (id: string) => clients.get(id),
    upsert: async () => undefined,
    destroy: async () => undefined,
    consume: async () => undefined,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    revokeByGrantId: async () => undefined,
  };
  // Codes and tokens the IdP issues are secrets: the whole-run log scan must never find them.
  return (model: string) => {
    if (model === 'Client') return clientAdapter;
    const adapter = memory(model) as { upsert(id: string, payload: unknown, expiresIn: number): Promise<unknown> };
    if (!SECRET_MODELS.has(model)) return adapter;
    return Object.assign(Object.create(adapter) as object, {
      upsert: (id: string, payload: unknown, expiresIn: number) => {
        registerTestSecret(id);
        return adapter.upsert(id, payload, expiresIn);
      },
    });
  };
}

export async function startOidcProvider(options: { accounts: TestAccount[] }): Promise<TestOidcProvider> {
  const accounts = new Map(options.accounts.map((a) => [a.sub, a]));
  const clients = new Map<string, Record<string, unknown>>();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    adapter: adapterFor(clients),
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, email: account.email, email_verified: account.email_verified ?? true, name: account.name, groups: account.groups }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    jwks: { keys: [{ ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  const idp: TestOidcProvider = {
    issuer,
    nextLogin: options.accounts[0]?.sub ?? '',
    interactions: 0,
    registerClient(client) {
      registerTestSecret(client.client_secret);
      clients.set(client.client_id, {
        ...client,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
    },
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    idp.interactions += 1;
    if (details.prompt.name === 'login') {
      // An unknown account is the user refusing (or failing) to log in: the IdP answers access_denied.
      const result = accounts.has(idp.nextLogin) ? { login: { accountId: idp.nextLogin } } : { error: 'access_denied', error_description: 'the user did not log in' };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      return;
    }
    // consent: grant what the client asked for
    const accountId = details.session?.accountId as string;
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: details.params.client_id as string });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  };

  const callback = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${err instanceof Error ? err.message : String(err)}\n`);
      });
      return;
    }
    callback(req, res);
  };
  return idp;
}
