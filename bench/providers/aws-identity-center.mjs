// The aws provider in mode identity_center for bench/providers.mjs, against a real moto server
// (PyPI moto[server] in .cache/moto, from scripts/provision.mjs) behind the stand-in for the
// sso-admin calls moto lacks (src/providers/aws/identity-center/moto-gaps.fake.ts, loaded
// through tsx). Each lease i is another Identity Center user. A permission set holds at most 48
// leases (its 50 tags), so `role` rotates over ROLES roles: 1,000 leases are 40 per role.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { ListInstancesCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { CreateUserCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { awsProviderFactory } from '../../dist/providers/aws/index.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ACCOUNT = '123456789012';
const USERS = 1_050;
const ROLES = 25;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startMoto() {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env: { ...process.env, PYTHONPATH: join(ROOT, '.cache/moto') } });
  const endpoint = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error('moto exited: run `node scripts/provision.mjs` to install it into .cache/moto');
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop: () => child.kill('SIGTERM') };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('moto did not start within 60 s');
}

export async function setUp() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = '1';
  const moto = await startMoto();
  const { MotoGapsFake } = await tsImport('../../src/providers/aws/identity-center/moto-gaps.fake.ts', import.meta.url);
  const fake = await new MotoGapsFake(moto.endpoint).start();
  const clientConfig = { region: 'us-east-1', endpoint: fake.endpoint, credentials };
  const sso = new SSOAdminClient(clientConfig);
  const [instance] = (await sso.send(new ListInstancesCommand({}))).Instances;
  sso.destroy();
  const store = new IdentitystoreClient(clientConfig);
  for (let i = 0; i < USERS; i++) {
    await store.send(new CreateUserCommand({ IdentityStoreId: instance.IdentityStoreId, UserName: `bench${i}`, DisplayName: `Bench ${i}`, Name: { GivenName: 'Bench', FamilyName: String(i) }, Emails: [{ Value: `bench${i}@example.com`, Primary: true }] }));
  }
  store.destroy();
  const roles = Array.from({ length: ROLES }, (_, r) => ({ id: `bench-${r}`, name: `Bench ${r}`, permissions: { allow: ['s3:GetObject'], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['aws:ReadOnlyAccess'] }));
  let next = 0;
  return {
    name: 'aws-identity-center',
    factory: awsProviderFactory,
    config: { mode: 'identity_center', region: 'us-east-1', account_id: ACCOUNT, endpoint: fake.endpoint, access_key_id: credentials.accessKeyId, secret_access_key: credentials.secretAccessKey },
    configDir: process.cwd(),
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, email_verified: true, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    get role() {
      return roles[next++ % ROLES];
    },
    async stop() {
      await fake.stop();
      moto.stop();
    },
  };
}
