// The aws provider (mode iam) for bench/providers.mjs, against a real moto server (started here,
// as test/support/moto.ts does: .cache/moto from scripts/provision.mjs, $LEASE_MOTO_SERVER or
// moto_server on PATH). Users are spread so that no IAM user holds more leases than IAM's
// 2,048-character inline policy budget allows (about 8); each grant makes its own role.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { awsProviderFactory } from '../../dist/providers/aws/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = '1';
const USERS = 250;
const root = new URL('../../', import.meta.url).pathname;

function motoCommand() {
  if (process.env.LEASE_MOTO_SERVER) return [process.env.LEASE_MOTO_SERVER, [], {}];
  const target = join(root, '.cache/moto');
  if (existsSync(join(target, 'moto')) && spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', env: { ...process.env, PYTHONPATH: target } }).status === 0) return ['python3', ['-m', 'moto.server'], { PYTHONPATH: target }];
  if (spawnSync('sh', ['-c', 'command -v moto_server'], { stdio: 'ignore' }).status === 0) return ['moto_server', [], {}];
  throw new Error('moto is not available: run `node scripts/provision.mjs`, or set LEASE_MOTO_SERVER');
}

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

export async function setUp() {
  const [cmd, args, env] = motoCommand();
  const port = await freePort();
  const child = spawn(cmd, [...args, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env: { ...process.env, ...env } });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (i > 1200) throw new Error('moto did not start');
    if (await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const iam = new IAMClient({ region: 'us-east-1', endpoint, credentials });
  for (let i = 0; i < USERS; i++) await iam.send(new CreateUserCommand({ UserName: `bench${i}` }));
  iam.destroy();
  return {
    name: 'aws',
    factory: awsProviderFactory,
    config: { region: 'us-east-1', account_id: '123456789012', access_key_id: credentials.accessKeyId, secret_access_key: credentials.secretAccessKey, endpoint },
    configDir: process.cwd(),
    identity: (i) => ({ id: `bench${i % USERS}`, email: `bench${i % USERS}@example.com`, email_verified: true, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: ['ec2:Describe*', 's3:GetObject'], deny: ['ec2:TerminateInstances'] }, resources: { allow: ['aws:*'], deny: [] }, nativeRoles: [] },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}
